import { pickClient } from './client';

/** The app's client, chosen once at start. */
export const client = pickClient();
export { ApiError } from './client';
