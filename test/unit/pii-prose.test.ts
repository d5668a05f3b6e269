/**
 * Names and places as people write them in clinical and legal prose (issue 22): no "Patient:" colon,
 * "Last, First", relatives named in passing, a city in a sentence.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectPii, type PiiKind } from '../../electron/core/datanets/pii';

function spans(text: string, kind: PiiKind): string[] {
  return detectPii(text).filter((f) => f.kind === kind).map((f) => f.text);
}

test('the issue 22 sentences: a name without a colon cue, "Chen, Linda", "her daughter Maria", a city', () => {
  assert.deepEqual(spans('Patient Linda Chen was seen today for follow-up of heart failure.', 'person_name'), ['Linda Chen']);
  assert.deepEqual(spans('Chen, Linda was admitted overnight with chest pain.', 'person_name'), ['Chen, Linda']);
  assert.deepEqual(spans('She was seen today with her daughter Maria, who helps with her medication.', 'person_name'), ['Maria']);
  assert.deepEqual(spans('She lives alone in Springfield and drives to the clinic.', 'location'), ['Springfield']);
});

test('initials, possessives, all-caps headers and names inside sentences', () => {
  assert.deepEqual(spans('Reviewed with L. Chen before discharge.', 'person_name'), ['L. Chen']);
  assert.deepEqual(spans("Linda Chen's blood pressure was 142/88.", 'person_name'), ['Linda Chen']);
  assert.deepEqual(spans('PATIENT: LINDA CHEN\nAdmitted 3/4.', 'person_name'), ['LINDA CHEN']);
  assert.deepEqual(spans('Yesterday Robert Alvarez called about the results.', 'person_name'), ['Robert Alvarez']);
});

test('names that are common words count only when context says so', () => {
  assert.deepEqual(spans('Mrs Hope Baker attended with her husband.', 'person_name'), ['Hope Baker']);
  assert.deepEqual(spans('There is hope that the rash will settle; the baker in the ward was discharged.', 'person_name'), []);
  assert.deepEqual(spans('Patient will follow up in May. Grace period for payment is 30 days.', 'person_name'), []);
});

test('other Safe Harbor identifiers: dates, ages over 89, ZIP, URL, account and device numbers', () => {
  assert.deepEqual(spans('Admitted on the 3rd of May and discharged 05/09/2024.', 'date'), ['3rd of May', '05/09/2024']);
  assert.deepEqual(spans('A 93-year-old woman; her husband is 67 years old.', 'age'), ['93-year-old']);
  assert.deepEqual(spans('Mail to PO Box 12, Ashford, CT 06278.', 'location').length > 0, true);
  assert.deepEqual(spans('Results at https://portal.example-clinic.org/r/8812 today.', 'url'), ['https://portal.example-clinic.org/r/8812']);
  assert.deepEqual(spans('Health plan ID: XJH448812093 on file.', 'account_number'), ['XJH448812093']);
  assert.deepEqual(spans('Pacemaker serial number PM2291847A was checked.', 'device_id'), ['PM2291847A']);
});

test('eponyms and drug names are not people; both parties of a case caption are', () => {
  assert.deepEqual(spans('The Parkinson disease and Crohn disease are stable; Bell palsy resolved.', 'person_name'), []);
  assert.deepEqual(spans('Started Augmentin and Azithromycin per the guidelines.', 'person_name'), []);
  assert.deepEqual(spans('Smith v. Jones was settled.', 'person_name'), ['Smith', 'Jones']);
});
