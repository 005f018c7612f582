/** Test support: the SourceError a promise rejects with (and a failed expectation when it does not). */
import { expect } from 'vitest';
import { SourceError } from '@/lib/sources/sourceError';

export async function sourceFailure(promise: Promise<unknown>): Promise<SourceError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SourceError);
  return error as SourceError;
}
