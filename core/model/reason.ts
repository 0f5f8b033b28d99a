// Why an action was planned: the machine-readable reason every planned action and every
// tuning event carries (SPEC §8). The zod schema is the definition; the type is inferred.
import { z } from 'zod';

/** A candidate the rule considered and did not pick. */
export const alternativeSchema = z.object({
  candidate: z.string(),
  score: z.number().optional(),
  rejected: z.string().optional(),
});

/** Machine-readable reason: which rule fired, on which scores, which alternatives lost. */
export const reasonSchema = z
  .object({
    rule: z.string(),
    text: z.string(),
    scores: z.record(z.string(), z.number()).optional(),
    alternatives: z.array(alternativeSchema).optional(),
  })
  .meta({ id: 'Reason' });

export type Reason = z.infer<typeof reasonSchema>;
