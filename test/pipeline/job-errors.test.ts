import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SwitchboardError } from '../../src/domain/errors.ts';
import { steerRetries, toJobError } from '../../src/pipeline/job-errors.ts';

describe('job errors', () => {
  describe('when the error is a non-retryable SwitchboardError', () => {
    it('becomes an UnrecoverableError naming the code and keeping the message', () => {
      const steered = toJobError(new SwitchboardError('SB_ERR_DELIVERY_REJECTED', 'bad number'));
      expect(steered).toBeInstanceOf(UnrecoverableError);
      expect((steered as Error).message).toBe('SB_ERR_DELIVERY_REJECTED: bad number');
    });
  });

  describe('when the error is a retryable SwitchboardError', () => {
    it('is returned as it is, so BullMQ retries with backoff', () => {
      const error = new SwitchboardError('SB_ERR_UNAVAILABLE', 'redis down');
      expect(error.retryable).toBe(true);
      expect(toJobError(error)).toBe(error);
    });
  });

  describe('when the job data fails its schema', () => {
    it('becomes an UnrecoverableError saying the job data is invalid', () => {
      const parsed = z.object({ id: z.string() }).safeParse({ id: 1 });
      const steered = toJobError(parsed.error);
      expect(steered).toBeInstanceOf(UnrecoverableError);
      expect((steered as Error).message).toMatch(/^invalid job data: /);
    });
  });

  describe('when the error is anything else', () => {
    it('is returned as it is: an unknown failure may pass on retry', () => {
      const plain = new Error('socket hang up');
      expect(toJobError(plain)).toBe(plain);
      expect(toJobError('a string')).toBe('a string');
    });

    it('keeps an UnrecoverableError already thrown', () => {
      const unrecoverable = new UnrecoverableError('gone');
      expect(toJobError(unrecoverable)).toBe(unrecoverable);
    });
  });

  describe('steerRetries', () => {
    it('resolves with what the work resolves with', async () => {
      await expect(steerRetries(() => Promise.resolve(42))).resolves.toBe(42);
    });

    it('rejects with the steered error', async () => {
      const work = () => Promise.reject(new SwitchboardError('SB_ERR_VALIDATION', 'no id'));
      await expect(steerRetries(work)).rejects.toBeInstanceOf(UnrecoverableError);
    });
  });
});
