import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';

import { AppError, ErrorCode } from '../../src/core/errors.js';
import { checkAnswers, normalizeSurvey, parseSurveyForSeed, type Survey } from '../../src/core/surveys/surveys.js';
import { renderSurvey } from '../../src/http/legacy/survey-presenter.js';
import { readSurveySubmission, type ReadSubmissionOptions } from '../../src/http/legacy/survey-submission.js';

/** A body as the transport reads it, checked against the survey as the use cases do. */
const parseSubmission = (body: unknown, survey: Survey, now: number, options?: ReadSubmissionOptions) =>
  checkAnswers(readSurveySubmission(body, options), survey, now);

// The spec's own examples, copied verbatim (server-chat §3.4, §3.5, §3.16; chat-agent §3.24).
const preChatExample = {
  survey: {
    id: '40216',
    title: '',
    header: 'To help us serve you better, please provide some information before we begin your chat.',
    questions: {
      question: [
        {
          mandatory: 'true',
          validationType: 'alpha_numeric',
          order: '0',
          logicId: '4',
          id: '12786273',
          type: 'Dropdown Box',
          label: 'With whom would you like to chat?',
          entry: [
            { checked: 'false', value: 'CATS', logic: { showLogicId: '5' } },
            { checked: 'false', value: 'DOGS' },
          ],
        },
        {
          mandatory: 'true',
          validationType: 'alpha_numeric',
          order: '1',
          logicId: '5',
          id: '16314710',
          type: 'Text Field',
          label: 'What is your name?',
          lastKnownValue: 'John',
        },
      ],
    },
  },
};

const offlineExample = {
  survey: {
    id: '40290',
    title: '',
    header: 'Send A Message',
    questions: {
      question: {
        mandatory: 'false',
        order: '0',
        validationType: 'alpha_numeric',
        logicId: '6',
        id: '13387460',
        type: 'Text Area',
        label: 'What do you want? :',
        lastKnownValue: '',
      },
    },
  },
};

const exitExample = {
  survey: {
    id: 361348,
    title: '',
    header: '',
    questions: {
      question: [
        {
          type: 'Radio Button',
          validationType: 'alpha_numeric',
          id: 4991315,
          logicId: 1,
          order: 0,
          mandatory: false,
          label: 'Would you like us to email you a transcript of this chat?',
          entry: [
            { checked: false, value: 'yes', displayValue: 'Yes' },
            { checked: false, value: 'no', displayValue: 'No' },
          ],
        },
        {
          type: 'Text Field',
          validationType: 'email',
          id: 4991311,
          logicId: 2,
          order: 1,
          mandatory: false,
          label: 'If yes, please provide your email:',
          lastKnownValue: '',
        },
      ],
    },
  },
};

/** The pre-chat example as the core holds it. */
const preChatSurvey: Survey = {
  id: '40216',
  title: '',
  header: 'To help us serve you better, please provide some information before we begin your chat.',
  questions: [
    {
      id: '12786273',
      order: 0,
      mandatory: true,
      validationType: 'alpha_numeric',
      logicId: '4',
      type: 'Dropdown Box',
      label: 'With whom would you like to chat?',
      lastKnownValue: null,
      entries: [
        { value: 'CATS', displayValue: null, checked: false, showLogicIds: ['5'] },
        { value: 'DOGS', displayValue: null, checked: false, showLogicIds: [] },
      ],
    },
    {
      id: '16314710',
      order: 1,
      mandatory: true,
      validationType: 'alpha_numeric',
      logicId: '5',
      type: 'Text Field',
      label: 'What is your name?',
      lastKnownValue: 'John',
      entries: [],
    },
  ],
};

/** A survey with one question of each kind the validation rules care about. */
const formSurvey: Survey = normalizeSurvey({
  id: 7,
  questions: {
    question: [
      { id: 1, order: 0, mandatory: true, type: 'Text Field', label: 'Name' },
      { id: 2, order: 1, mandatory: false, type: 'Text Field', validationType: 'numeric', label: 'Age' },
      { id: 3, order: 2, mandatory: false, type: 'Text Field', validationType: 'email', label: 'E-mail' },
      {
        id: 4,
        order: 3,
        type: 'Checkbox',
        label: 'Pets',
        entry: [{ value: 'cat' }, { value: 'dog', displayValue: 'Dog' }, { value: 'fish' }],
      },
      {
        id: 5,
        order: 4,
        type: 'Radio Button',
        label: 'Happy?',
        entry: [{ value: 'yes', displayValue: 'Yes' }, { value: 'no' }],
      },
    ],
  },
});

const NOW = 1_700_000_000_000;

/** Runs fn, expecting a VALIDATION AppError; returns it for further checks. */
function validationError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof AppError, `expected a AppError, got ${String(error)}`);
    assert.equal(error.code, ErrorCode.VALIDATION);
    return error;
  }
  assert.fail('expected a VALIDATION AppError');
}

/** Deep equality and identical JSON text, so the key order is pinned too. */
function assertSameJson(actual: unknown, expected: unknown): void {
  assert.deepEqual(actual, expected);
  assert.equal(JSON.stringify(actual), JSON.stringify(expected));
}

describe('normalizeSurvey', () => {
  it('reads the string-typed pre-chat example', () => {
    assert.deepEqual(normalizeSurvey(preChatExample.survey), preChatSurvey);
  });

  it('reads a typed definition of the same survey to the same model', () => {
    const typed = {
      id: 40216,
      title: '',
      header: preChatSurvey.header,
      questions: {
        question: [
          {
            id: 12786273,
            order: 0,
            mandatory: true,
            validationType: 'alpha_numeric',
            logicId: 4,
            type: 'Dropdown Box',
            label: 'With whom would you like to chat?',
            entry: [
              { value: 'CATS', checked: false, logic: { showLogicId: 5 } },
              { value: 'DOGS', checked: false },
            ],
          },
          {
            id: 16314710,
            order: 1,
            mandatory: true,
            validationType: 'alpha_numeric',
            logicId: 5,
            type: 'Text Field',
            label: 'What is your name?',
            lastKnownValue: 'John',
          },
        ],
      },
    };
    assert.deepEqual(normalizeSurvey(typed), preChatSurvey);
  });

  it('reads the offline example with its single question object', () => {
    assert.deepEqual(normalizeSurvey(offlineExample.survey), {
      id: '40290',
      title: '',
      header: 'Send A Message',
      questions: [
        {
          id: '13387460',
          order: 0,
          mandatory: false,
          validationType: 'alpha_numeric',
          logicId: '6',
          type: 'Text Area',
          label: 'What do you want? :',
          lastKnownValue: '',
          entries: [],
        },
      ],
    });
  });

  it('reads the typed exit example, keeping displayValue', () => {
    const survey = normalizeSurvey(exitExample.survey);
    assert.equal(survey.id, '361348');
    assert.deepEqual(
      survey.questions.map((question) => [question.id, question.logicId, question.order, question.mandatory]),
      [
        ['4991315', '1', 0, false],
        ['4991311', '2', 1, false],
      ],
    );
    assert.deepEqual(survey.questions[0]?.entries, [
      { value: 'yes', displayValue: 'Yes', checked: false, showLogicIds: [] },
      { value: 'no', displayValue: 'No', checked: false, showLogicIds: [] },
    ]);
    assert.equal(survey.questions[1]?.validationType, 'email');
  });

  it('accepts the whole GET body as well as the survey object', () => {
    assert.deepEqual(normalizeSurvey(preChatExample), preChatSurvey);
  });

  it('sorts questions by order, numbers and numeric strings alike', () => {
    const survey = normalizeSurvey({
      id: 1,
      questions: {
        question: [
          { id: 'c', order: '10', type: 'Text Field' },
          { id: 'a', order: 2, type: 'Text Field' },
          { id: 'b', order: '3', type: 'Text Field' },
        ],
      },
    });
    assert.deepEqual(
      survey.questions.map((question) => question.id),
      ['a', 'b', 'c'],
    );
  });

  it('reads one entry as an object, several showLogicIds as an array, and the alphanumeric spelling', () => {
    const survey = normalizeSurvey({
      id: 1,
      questions: {
        question: {
          id: 9,
          mandatory: 'TRUE',
          validationType: 'alphanumeric',
          type: 'radio button',
          entry: { value: 'only', checked: 'true', logic: { showLogicId: ['5', 6] } },
        },
      },
    });
    const [question] = survey.questions;
    assert.equal(question?.validationType, 'alpha_numeric');
    assert.equal(question?.type, 'Radio Button');
    assert.equal(question?.mandatory, true);
    assert.equal(question?.order, 0);
    assert.deepEqual(question?.entries, [
      { value: 'only', displayValue: null, checked: true, showLogicIds: ['5', '6'] },
    ]);
  });

  it('gives defaults for what a definition leaves out', () => {
    const survey = normalizeSurvey({ id: 'short', questions: { question: { id: 1, type: 'Text Field' } } });
    assert.deepEqual(survey, {
      id: 'short',
      title: '',
      header: '',
      questions: [
        {
          id: '1',
          order: 0,
          mandatory: false,
          validationType: 'alpha_numeric',
          logicId: null,
          type: 'Text Field',
          label: '',
          lastKnownValue: null,
          entries: [],
        },
      ],
    });
  });

  it('throws an error naming the problem for an unusable definition', () => {
    assert.throws(() => normalizeSurvey({ title: 'no id' }), /^Error: id: the survey has no id/);
    assert.throws(
      () =>
        normalizeSurvey({ id: 1, questions: { question: [{ id: 1, type: 'Text Field' }, { type: 'Text Field' }] } }),
      /questions\.question\[1\]\.id: the question has no id/,
    );
    assert.throws(
      () => normalizeSurvey({ id: 1, questions: { question: { id: 3, type: 'Slider' } } }),
      /questions\.question\.type: "Slider" is not one of .* \(question 3\)/,
    );
    assert.throws(
      () => normalizeSurvey({ id: 1, questions: { question: { id: 3, type: 'Dropdown Box' } } }),
      /needs at least one entry \(question 3\)/,
    );
    assert.throws(
      () =>
        normalizeSurvey({
          id: 1,
          questions: {
            question: [
              { id: 3, type: 'Text Field' },
              { id: '3', type: 'Text Area' },
            ],
          },
        }),
      /question id 3 is used twice/,
    );
    assert.throws(
      () => normalizeSurvey({ id: 1, questions: { question: { id: 3, type: 'Text Field', mandatory: 'yes' } } }),
      /questions\.question\.mandatory: "yes" is not true or false \(question 3\)/,
    );
    assert.throws(
      () => normalizeSurvey({ id: 1, questions: { question: { id: 3, type: 'Text Field', validationType: 'date' } } }),
      /validationType: "date" is not alpha_numeric, numeric or email/,
    );
    assert.throws(
      () =>
        normalizeSurvey({ id: 1, questions: { question: { id: 3, type: 'Checkbox', entry: [{ value: 'a' }, {}] } } }),
      /questions\.question\.entry\[1\]\.value: an entry needs a value/,
    );
  });
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

describe('parseSurveyForSeed', () => {
  it('returns the normalized survey', () => {
    assert.deepEqual(parseSurveyForSeed(preChatExample.survey, 'accounts[0].surveys.preChat'), preChatSurvey);
  });

  it('prefixes problems with where the survey sits in the seed', () => {
    assert.throws(
      () => parseSurveyForSeed({ id: 1, questions: { question: { type: 'Text Field' } } }, 'accounts[0].surveys.exit'),
      {
        message:
          'accounts[0].surveys.exit.questions.question.id: the question has no id (a number or a non-blank string)',
      },
    );
    assert.throws(() => parseSurveyForSeed('survey', 'accounts[1].surveys.agent'), {
      message: 'accounts[1].surveys.agent: a survey must be an object',
    });
  });

  it('reads every survey of the demo seed', async () => {
    const seed: unknown = JSON.parse(await readFile(new URL('../../seeds/demo.json', import.meta.url), 'utf8'));
    const accounts = isObject(seed) && Array.isArray(seed.accounts) ? seed.accounts : [];
    const surveys = accounts.flatMap((account: unknown, a) =>
      isObject(account) && isObject(account.surveys)
        ? Object.entries(account.surveys).map(([kind, definition]) => ({
            where: `accounts[${a}].surveys.${kind}`,
            definition,
          }))
        : [],
    );
    assert.equal(surveys.length, 4);
    for (const { where, definition } of surveys) assert.ok(parseSurveyForSeed(definition, where).questions.length > 0);
  });
});

describe('renderSurvey', () => {
  it('renders the pre-chat survey string-typed, exactly as the spec example', () => {
    assertSameJson(renderSurvey(normalizeSurvey(preChatExample.survey), 'pre-chat'), preChatExample);
  });

  it('renders the agent survey in the pre-chat shape (chat-agent §3.24)', () => {
    assertSameJson(renderSurvey(preChatSurvey, 'agent'), preChatExample);
  });

  it('renders the offline survey string-typed in its own key order, one question as an object', () => {
    assertSameJson(renderSurvey(normalizeSurvey(offlineExample.survey), 'offline'), offlineExample);
  });

  it('renders the exit survey typed with displayValue, exactly as the spec example', () => {
    assertSameJson(renderSurvey(normalizeSurvey(exitExample.survey), 'exit'), exitExample);
  });

  it('renders each resource the same from a typed or a string-typed definition', () => {
    const fromStrings = normalizeSurvey(preChatExample.survey);
    const fromTyped = normalizeSurvey(JSON.parse(JSON.stringify(renderSurvey(fromStrings, 'exit').survey)));
    for (const resource of ['pre-chat', 'offline', 'exit', 'agent'] as const) {
      assertSameJson(renderSurvey(fromTyped, resource), renderSurvey(fromStrings, resource));
    }
  });

  it('renders the exit survey typed even from the string-typed pre-chat example, falling back to value', () => {
    const { survey } = renderSurvey(preChatSurvey, 'exit');
    assertSameJson(survey.questions, {
      question: [
        {
          type: 'Dropdown Box',
          validationType: 'alpha_numeric',
          id: 12786273,
          logicId: 4,
          order: 0,
          mandatory: true,
          label: 'With whom would you like to chat?',
          entry: [
            { checked: false, value: 'CATS', displayValue: 'CATS', logic: { showLogicId: 5 } },
            { checked: false, value: 'DOGS', displayValue: 'DOGS' },
          ],
        },
        {
          type: 'Text Field',
          validationType: 'alpha_numeric',
          id: 16314710,
          logicId: 5,
          order: 1,
          mandatory: true,
          label: 'What is your name?',
          lastKnownValue: 'John',
        },
      ],
    });
    assert.equal(survey.id, 40216);
  });

  it('renders one entry as an object, several showLogicIds as an array, and omits a null logicId', () => {
    const survey = normalizeSurvey({
      id: 'S-1',
      questions: {
        question: {
          id: 'q-1',
          type: 'Checkbox',
          entry: { value: 'only', logic: { showLogicId: [5, 6] } },
        },
      },
    });
    assertSameJson(renderSurvey(survey, 'pre-chat'), {
      survey: {
        id: 'S-1',
        title: '',
        header: '',
        questions: {
          question: {
            mandatory: 'false',
            validationType: 'alpha_numeric',
            order: '0',
            id: 'q-1',
            type: 'Checkbox',
            label: '',
            entry: { checked: 'false', value: 'only', logic: { showLogicId: ['5', '6'] } },
          },
        },
      },
    });
    // Ids that are not decimal integers stay strings even in the typed exit survey.
    const exit = renderSurvey(survey, 'exit').survey;
    assert.equal(exit.id, 'S-1');
    assertSameJson(exit.questions, {
      question: {
        type: 'Checkbox',
        validationType: 'alpha_numeric',
        id: 'q-1',
        order: 0,
        mandatory: false,
        label: '',
        entry: { checked: false, value: 'only', displayValue: 'only', logic: { showLogicId: [5, 6] } },
      },
    });
  });

  it('renders an empty lastKnownValue for a text question with none stored', () => {
    const survey = normalizeSurvey({ id: 1, questions: { question: { id: 2, type: 'Text Area' } } });
    assert.deepEqual(renderSurvey(survey, 'offline').survey.questions, {
      question: {
        mandatory: 'false',
        order: '0',
        validationType: 'alpha_numeric',
        id: '2',
        type: 'Text Area',
        label: '',
        lastKnownValue: '',
      },
    });
  });

  it('omits question when a survey has no questions', () => {
    assertSameJson(renderSurvey(normalizeSurvey({ id: 1, header: 'h' }), 'exit'), {
      survey: { id: 1, title: '', header: 'h', questions: {} },
    });
  });
});

describe('parseSubmission', () => {
  /** A body answering the form survey's Name with Ann, then `more`. */
  const annAnd = (...more: object[]) => ({ survey: { question: [{ id: 1, answer: 'Ann' }, ...more] } });
  const submitForm = (...more: object[]) => parseSubmission(annAnd(...more), formSurvey, NOW);
  const catsAndName = (answers: object) =>
    parseSubmission({ survey: { id: 40216, question: answers } }, preChatSurvey, NOW);

  it('reads the canonical body into answers in survey order', () => {
    const result = parseSubmission(
      {
        survey: {
          id: 40216,
          question: [
            { id: 16314710, answer: 'John' },
            { id: 12786273, answer: 'CATS' },
          ],
        },
      },
      preChatSurvey,
      NOW,
    );
    assert.deepEqual(result, {
      surveyId: '40216',
      answers: [
        { questionId: '12786273', label: 'With whom would you like to chat?', answer: 'CATS' },
        { questionId: '16314710', label: 'What is your name?', answer: 'John' },
      ],
      submittedAt: NOW,
    });
  });

  it('accepts one question as an object with string ids (Postman)', () => {
    const result = parseSubmission(
      { survey: { id: '361348', question: { id: '4991315', answer: 'yes' } } },
      normalizeSurvey(exitExample.survey),
      NOW,
    );
    assert.deepEqual(result.answers, [
      { questionId: '4991315', label: 'Would you like us to email you a transcript of this chat?', answer: 'yes' },
    ]);
  });

  it('accepts value for answer, @id for id and no survey id (SDK, XML)', () => {
    const result = parseSubmission(
      {
        survey: {
          question: [{ '@id': '12786273', value: 'DOGS', note: 'unknown keys are ignored' }],
          LETagVisitorId: 'abc',
        },
        chatReferrer: 'https://example.com',
      },
      preChatSurvey,
      NOW,
    );
    assert.deepEqual(result.answers, [
      { questionId: '12786273', label: 'With whom would you like to chat?', answer: 'DOGS' },
    ]);
  });

  it('prefers answer over value when both are given', () => {
    const result = catsAndName({ id: 12786273, answer: 'DOGS', value: 'CATS' });
    assert.equal(result.answers[0]?.answer, 'DOGS');
  });

  it('reads the inner survey object itself when the body has no survey key (Start Chat request.survey)', () => {
    const result = parseSubmission({ id: '40216', question: { id: '12786273', answer: 'DOGS' } }, preChatSurvey, NOW);
    assert.deepEqual(result.answers, [
      { questionId: '12786273', label: 'With whom would you like to chat?', answer: 'DOGS' },
    ]);
  });

  it('reads answers from the questions wrapper of the structure-shaped body', () => {
    const echo = structuredClone(preChatExample);
    const [dropdown, name] = echo.survey.questions.question;
    Object.assign(dropdown ?? {}, { answer: 'CATS' });
    Object.assign(name ?? {}, { answer: 'Ann' });
    assert.deepEqual(
      parseSubmission(echo, preChatSurvey, NOW).answers.map((answer) => answer.answer),
      ['CATS', 'Ann'],
    );
  });

  it('treats the structure echo of an exit survey without answers as an empty submission', () => {
    const survey = normalizeSurvey(exitExample.survey);
    assert.deepEqual(parseSubmission(exitExample, survey, NOW), { surveyId: '361348', answers: [], submittedAt: NOW });
  });

  it('reads checked entries and lastKnownValue of a structure echo without answer keys (chat-agent §3.25)', () => {
    const echo = structuredClone(preChatExample);
    const [dropdown] = echo.survey.questions.question;
    const [cats] = dropdown?.entry ?? [];
    if (cats !== undefined) cats.checked = 'true';
    assert.deepEqual(
      parseSubmission(echo, preChatSurvey, NOW).answers.map((answer) => answer.answer),
      ['CATS', 'John'],
    );
  });

  it('treats no body, an empty survey and a survey without questions as empty submissions', () => {
    const survey = normalizeSurvey(exitExample.survey);
    for (const body of [undefined, null, '', {}, { survey: '' }, { survey: null }, { survey: { id: 361348 } }]) {
      assert.deepEqual(parseSubmission(body, survey, NOW).answers, []);
    }
  });

  it('takes checkbox answers as a list, dropping blanks and repeats, in entry order', () => {
    const result = submitForm({ id: 4, answer: ['fish', 'Dog', ' ', 'cat', 'fish'] });
    assert.deepEqual(result.answers[1], { questionId: '4', label: 'Pets', answer: ['cat', 'dog', 'fish'] });
  });

  it('gives a Checkbox answer as a list even when one option is chosen as text', () => {
    const result = submitForm({ id: 4, answer: 'cat' });
    assert.deepEqual(result.answers[1]?.answer, ['cat']);
  });

  it('accepts a one-element list for a single-answer question, and a displayValue for its value', () => {
    const result = parseSubmission(
      {
        survey: {
          question: [
            { id: 1, answer: ['  Ann  '] },
            { id: 5, answer: 'Yes' },
          ],
        },
      },
      formSurvey,
      NOW,
    );
    assert.deepEqual(
      result.answers.map((answer) => answer.answer),
      ['Ann', 'yes'],
    );
  });

  it('accepts numbers and e-mail addresses that pass their validation', () => {
    for (const age of ['42', '-3', '+0.5', '.5', '1234567890.123']) {
      const result = submitForm({ id: 2, answer: age });
      assert.equal(result.answers[1]?.answer, age);
    }
    for (const email of ['natalie@mail.com', 'first.last+tag@sub.example.co.uk']) {
      const result = submitForm({ id: 3, answer: email });
      assert.equal(result.answers[1]?.answer, email);
    }
  });

  it('leaves out blank answers to optional questions', () => {
    const result = submitForm({ id: 2, answer: '' }, { id: 3, answer: '  ' }, { id: 4, answer: [] });
    assert.deepEqual(
      result.answers.map((answer) => answer.questionId),
      ['1'],
    );
  });

  describe('logic (the spec CATS example)', () => {
    it('makes logicId 5 visible and then mandatory when CATS is chosen', () => {
      const error = validationError(() => catsAndName([{ id: 12786273, answer: 'CATS' }]));
      assert.match(error.message, /16314710/);
      assert.match(error.message, /What is your name\?/);
      assert.match(error.message, /mandatory/);
      assert.equal(error.field, 'survey.question');
    });

    it('names the posted answer as the field when a visible mandatory question is answered blank', () => {
      const error = validationError(() =>
        catsAndName([
          { id: 12786273, answer: 'CATS' },
          { id: 16314710, answer: '   ' },
        ]),
      );
      assert.equal(error.field, 'survey.question[1].answer');
      assert.match(error.message, /16314710/);
    });

    it('keeps logicId 5 hidden when DOGS is chosen, so a missing answer is fine', () => {
      assert.deepEqual(catsAndName({ id: 12786273, answer: 'DOGS' }).answers, [
        { questionId: '12786273', label: 'With whom would you like to chat?', answer: 'DOGS' },
      ]);
    });

    it('drops an answer to the hidden question when DOGS is chosen', () => {
      const result = catsAndName([
        { id: 12786273, answer: 'DOGS' },
        { id: 16314710, answer: 'John' },
      ]);
      assert.deepEqual(
        result.answers.map((answer) => answer.questionId),
        ['12786273'],
      );
    });

    it('chains visibility: a question revealed only by a hidden question stays hidden', () => {
      const survey = normalizeSurvey({
        id: 1,
        questions: {
          question: [
            {
              id: 'a',
              order: 0,
              type: 'Radio Button',
              logicId: 1,
              entry: [{ value: 'more', logic: { showLogicId: 2 } }, { value: 'no' }],
            },
            {
              id: 'b',
              order: 1,
              type: 'Checkbox',
              logicId: 2,
              entry: [{ value: 'x', logic: { showLogicId: 3 } }, { value: 'y' }],
            },
            { id: 'c', order: 2, type: 'Text Field', logicId: 3, mandatory: true, label: 'Details' },
          ],
        },
      });
      // a=more reveals b; b containing x reveals c, which is then mandatory.
      const error = validationError(() =>
        parseSubmission(
          {
            survey: {
              question: [
                { id: 'a', answer: 'more' },
                { id: 'b', answer: ['y', 'x'] },
              ],
            },
          },
          survey,
          NOW,
        ),
      );
      assert.match(error.message, /question c \("Details"\) is mandatory/i);
      // a=no hides b, so b's x (dropped) reveals nothing and c is not required.
      const result = parseSubmission(
        {
          survey: {
            question: [
              { id: 'a', answer: 'no' },
              { id: 'b', answer: 'x' },
            ],
          },
        },
        survey,
        NOW,
      );
      assert.deepEqual(
        result.answers.map((answer) => [answer.questionId, answer.answer]),
        [['a', 'no']],
      );
      const full = parseSubmission(
        {
          survey: {
            question: [
              { id: 'a', answer: 'more' },
              { id: 'b', answer: 'x' },
              { id: 'c', answer: 'lots' },
            ],
          },
        },
        survey,
        NOW,
      );
      assert.deepEqual(
        full.answers.map((answer) => answer.answer),
        ['more', ['x'], 'lots'],
      );
    });
  });

  describe('validation failures', () => {
    const cases: { name: string; body: unknown; field: string; message: RegExp }[] = [
      {
        name: 'a question without an id',
        body: annAnd({ answer: 'x' }),
        field: 'survey.question[1].id',
        message: /without an id/,
      },
      {
        name: 'a question that is not an object (issue #47 body)',
        body: { survey: { question: 4991315, answer: 'x' } },
        field: 'survey.question',
        message: /without an id/,
      },
      {
        name: 'an unknown question id',
        body: annAnd({ id: 99, answer: 'x' }),
        field: 'survey.question[1].id',
        message: /unknown question id was posted: 99/,
      },
      {
        name: 'a question posted twice',
        body: annAnd({ '@id': '1', answer: 'Bob' }),
        field: 'survey.question[1].id',
        message: /question 1 \("Name"\) was posted more than once/i,
      },
      {
        name: 'a missing mandatory answer',
        body: { survey: { question: { id: 2, answer: '3' } } },
        field: 'survey.question',
        message: /question 1 \("Name"\) is mandatory/i,
      },
      {
        name: 'an answer that is not an option',
        body: annAnd({ id: 5, answer: 'YES' }),
        field: 'survey.question[1].answer',
        message: /"YES" is not an option of question 5 \("Happy\?"\)/,
      },
      {
        name: 'a checkbox option that is not an option',
        body: annAnd({ id: 4, value: ['cat', 'bird'] }),
        field: 'survey.question[1].value',
        message: /"bird" is not an option of question 4 \("Pets"\)/,
      },
      {
        name: 'several answers to a radio question',
        body: annAnd({ id: 5, answer: ['yes', 'no'] }),
        field: 'survey.question[1].answer',
        message: /question 5 \("Happy\?"\) takes a single answer/i,
      },
      {
        name: 'several answers to a text question',
        body: { survey: { question: { id: 1, answer: ['Ann', 'Bob'] } } },
        field: 'survey.question.answer',
        message: /question 1 \("Name"\) takes a single answer/i,
      },
      {
        name: 'a non-numeric answer to a numeric question',
        body: annAnd({ id: 2, answer: '4 2' }),
        field: 'survey.question[1].answer',
        message: /question 2 \("Age"\) must be a number/i,
      },
      {
        name: 'an invalid e-mail address',
        body: annAnd({ id: 3, answer: 'ann@localhost' }),
        field: 'survey.question[1].answer',
        message: /question 3 \("E-mail"\) must be an e-mail address/i,
      },
      {
        name: 'an answer that is a number',
        body: annAnd({ id: 2, answer: 42 }),
        field: 'survey.question[1].answer',
        message: /question 2 \("Age"\) must be text or a list of texts/i,
      },
      {
        name: 'a list holding a non-string',
        body: annAnd({ id: 4, answer: ['cat', { value: 'dog' }] }),
        field: 'survey.question[1].answer[1]',
        message: /question 4 \("Pets"\) must be text or a list of texts/i,
      },
      {
        name: 'the id of another survey',
        body: { survey: { id: 8, question: { id: 1, answer: 'Ann' } } },
        field: 'survey.id',
        message: /survey id 8 is not the id of this survey \(7\)/,
      },
      {
        name: 'a body that is not an object',
        body: [{ id: 1, answer: 'Ann' }],
        field: 'survey',
        message: /must be an object/,
      },
      {
        name: 'a survey that is not an object',
        body: { survey: 'answers' },
        field: 'survey',
        message: /must be an object/,
      },
    ];

    for (const { name, body, field, message } of cases) {
      it(`refuses ${name}`, () => {
        const error = validationError(() => parseSubmission(body, formSurvey, NOW));
        assert.equal(error.field, field);
        assert.match(error.message, message);
      });
    }

    it('refuses addresses that are too long, spaced or doubled', () => {
      const long = `${'a'.repeat(246)}@mail.com`;
      for (const email of [long, 'ann smith@mail.com', 'a@b@mail.com', 'ann@mail..com', '@mail.com']) {
        validationError(() => submitForm({ id: 3, answer: email }));
      }
    });

    it('refuses numbers with exponents, commas or no digits', () => {
      for (const age of ['1e3', '1,5', '.', '-', 'Infinity', '0x10']) {
        validationError(() => submitForm({ id: 2, answer: age }));
      }
    });
  });

  describe('contextKeys', () => {
    const offline = normalizeSurvey(offlineExample.survey);

    it('accepts the documented offline body with the context inside survey, and the SDK body with it outside', () => {
      const documented = {
        survey: {
          id: 40290,
          question: [{ id: 13387460, answer: 'natalie' }],
          LETagVisitorId: 'rloXnVgEQ-iQuoOytvKNqA',
          LETagContextId: '5',
          skill: 'Sales',
          userAgent: 'Mozilla/5.0',
        },
      };
      const sdk = {
        visitorSessionId: 'v1',
        survey: { id: 40290, question: [{ id: 13387460, value: 'natalie' }] },
        LETagVisitorId: 'x',
        visitorId: 1214701440734022,
      };
      for (const body of [documented, sdk]) {
        assert.deepEqual(parseSubmission(body, offline, NOW, { contextKeys: true }).answers, [
          { questionId: '13387460', label: 'What do you want? :', answer: 'natalie' },
        ]);
      }
    });

    it('refuses a context field that is not text or a number, naming it', () => {
      const error = validationError(() =>
        parseSubmission({ survey: { question: [], skill: { name: 'Sales' } } }, offline, NOW, { contextKeys: true }),
      );
      assert.equal(error.field, 'survey.skill');
      const outside = validationError(() =>
        parseSubmission({ survey: {}, LETagSessionId: ['a'] }, offline, NOW, { contextKeys: true }),
      );
      assert.equal(outside.field, 'LETagSessionId');
    });

    it('ignores the same fields without the option', () => {
      assert.deepEqual(parseSubmission({ survey: { skill: { name: 'Sales' } } }, offline, NOW).answers, []);
    });
  });
});
