import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Survey, SurveyQuestion } from '../../packages/sdk/src/index.js';
import {
  initialAnswers,
  problemOf,
  submittedAnswers,
  visibleQuestions,
} from '../../packages/web/src/shared/survey-logic.js';

const question = (fields: Partial<SurveyQuestion> & Pick<SurveyQuestion, 'id' | 'label'>): SurveyQuestion => ({
  order: 0,
  mandatory: false,
  type: 'Text Field',
  validationType: 'alpha_numeric',
  logicId: undefined,
  lastKnownValue: undefined,
  entries: [],
  ...fields,
});

// The pre-chat example of server-chat §3.4/§5: choosing CATS reveals the question with logicId 5,
// which reveals the one with logicId 6 in turn.
const survey: Survey = {
  id: '40216',
  title: '',
  header: 'Before we begin',
  questions: [
    question({
      id: 'pet',
      label: 'With whom would you like to chat?',
      type: 'Dropdown Box',
      mandatory: true,
      logicId: '4',
      entries: [
        { value: 'CATS', checked: false, showLogicIds: ['5'] },
        { value: 'DOGS', checked: false, showLogicIds: [] },
      ],
    }),
    question({
      id: 'breed',
      label: 'Breed?',
      type: 'Radio Button',
      mandatory: true,
      logicId: '5',
      entries: [
        { value: 'Siamese', checked: false, showLogicIds: ['6'] },
        { value: 'Other', checked: true, showLogicIds: [] },
      ],
    }),
    question({ id: 'age', label: 'How old?', mandatory: true, logicId: '6', validationType: 'numeric' }),
    question({ id: 'email', label: 'E-mail', validationType: 'email', lastKnownValue: 'old@example.com' }),
    question({
      id: 'likes',
      label: 'Likes',
      type: 'Checkbox',
      entries: [
        { value: 'Fish', checked: true, showLogicIds: [] },
        { value: 'Milk', checked: false, showLogicIds: [] },
      ],
    }),
  ],
};

const ids = (questions: SurveyQuestion[]) => questions.map((q) => q.id);

describe('survey forms: show-logic, validation, what is submitted (server-chat §5)', () => {
  it('starts from pre-selected entries and last known values', () => {
    assert.deepEqual(initialAnswers(survey), {
      pet: '',
      breed: 'Other',
      age: '',
      email: 'old@example.com',
      likes: ['Fish'],
    });
  });

  it('hides revealed questions until the revealing entry is chosen, transitively', () => {
    const answers = initialAnswers(survey);
    assert.deepEqual(ids(visibleQuestions(survey, answers)), ['pet', 'email', 'likes']);
    assert.deepEqual(ids(visibleQuestions(survey, { ...answers, pet: 'DOGS' })), ['pet', 'email', 'likes']);
    assert.deepEqual(ids(visibleQuestions(survey, { ...answers, pet: 'CATS' })), ['pet', 'breed', 'email', 'likes']);
    assert.deepEqual(ids(visibleQuestions(survey, { ...answers, pet: 'CATS', breed: 'Siamese' })), [
      'pet',
      'breed',
      'age',
      'email',
      'likes',
    ]);
    // A hidden parent's choice reveals nothing.
    assert.deepEqual(ids(visibleQuestions(survey, { ...answers, pet: 'DOGS', breed: 'Siamese' })), [
      'pet',
      'email',
      'likes',
    ]);
  });

  it('requires mandatory answers and checks numbers and addresses', () => {
    const [pet, , age, email] = survey.questions;
    assert.equal(problemOf(pet!, ''), 'Please answer this question.');
    assert.equal(problemOf(pet!, 'CATS'), undefined);
    assert.equal(problemOf(age!, 'ten'), 'Please enter a number.');
    assert.equal(problemOf(age!, '10'), undefined);
    assert.equal(problemOf(email!, 'not an address'), 'Please enter an e-mail address.');
    assert.equal(problemOf(email!, ''), undefined, 'optional and empty is fine');
  });

  it('submits visible, non-empty answers only, trimmed; checkboxes as lists', () => {
    const answers = { ...initialAnswers(survey), pet: 'DOGS', breed: 'Siamese', age: '3', email: '  ' };
    assert.deepEqual(submittedAnswers(survey, answers), { pet: 'DOGS', likes: ['Fish'] });
    assert.deepEqual(submittedAnswers(survey, { ...answers, pet: 'CATS', email: ' me@example.com ' }), {
      pet: 'CATS',
      breed: 'Siamese',
      age: '3',
      email: 'me@example.com',
      likes: ['Fish'],
    });
  });
});
