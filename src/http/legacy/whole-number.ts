import { AppError, ErrorCode } from '../../core/errors.js';

/**
 * A whole number given as a number or numeric string (Postman sends ids as strings), in a body or a
 * query; absent, null or '' is undefined; anything else out of [min, max] is 400 / 40 naming the field.
 */
export function wholeNumber(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new AppError(ErrorCode.VALIDATION, `${field} must be a whole number from ${min} to ${max}`, { field });
  }
  return number;
}
