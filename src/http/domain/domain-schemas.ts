import { z } from 'zod';

/** A JavaScript identifier path such as `lpTag.csds.cb`: nothing else may become script. */
const CALLBACK_PATTERN = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;

/** The JSONP form's query: `cb` (or `callback`) names the function the answer calls. */
export const jsonpQuerySchema = z
  .object({ cb: z.string().optional(), callback: z.string().optional() })
  .transform((query, context) => {
    const callback = query.cb ?? query.callback;
    if (callback !== undefined && CALLBACK_PATTERN.test(callback)) return callback;
    context.addIssue({ code: 'custom', message: 'The cb parameter must be a JavaScript identifier', path: ['cb'] });
    return z.NEVER;
  });
