// Validation of the HTTP API's query strings (zod). Bad input → 400 with the reason.
import { z } from 'zod';
import { eventKindSchema, type TuningEvent, tuningEventSchema } from '../../core/model/event';

/** A time: ISO-8601, or seconds since the epoch (Grafana's and Prometheus' habit). */
const time = z.string().transform((s, ctx) => {
  const ms = /^\d+(\.\d+)?$/.test(s) ? Number(s) * 1000 : Date.parse(s);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `not a time: "${s}" (ISO-8601 or seconds since the epoch)` });
    return z.NEVER;
  }
  return ms;
});

export const eventsQuerySchema = z
  .object({
    from: time.optional(),
    to: time.optional(),
    vm: z.string().min(1).max(256).optional(),
    kind: eventKindSchema.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** Opaque position returned as part of "next". */
    cursor: z.coerce.number().int().min(0).default(0),
  })
  .strict()
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, {
    message: '"from" must not be after "to"',
    path: ['from'],
  });

export type EventsQuery = z.output<typeof eventsQuerySchema>;

/** A page of `GET /api/v1/events` (SPEC §11): journal events exactly as journalled. */
export const eventsPageSchema = z.object({
  events: z.array(tuningEventSchema),
  /** Relative URL of the next page, or null on the last page. */
  next: z.string().nullable(),
});

export type EventsPage = z.infer<typeof eventsPageSchema>;

/** Filters (time range, VM, kind) and paginates events, oldest first. */
export function pageEvents(
  all: readonly TuningEvent[],
  q: EventsQuery,
  basePath = '/api/v1/events',
): EventsPage {
  const matching = all.filter((e) => {
    const t = Date.parse(e.time);
    return (
      (q.from === undefined || t >= q.from) &&
      (q.to === undefined || t <= q.to) &&
      (q.vm === undefined || e.vm === q.vm) &&
      (q.kind === undefined || e.kind === q.kind)
    );
  });
  const events = matching.slice(q.cursor, q.cursor + q.limit);
  const nextCursor = q.cursor + events.length;
  let next: string | null = null;
  if (nextCursor < matching.length) {
    const p = new URLSearchParams();
    if (q.from !== undefined) p.set('from', new Date(q.from).toISOString());
    if (q.to !== undefined) p.set('to', new Date(q.to).toISOString());
    if (q.vm !== undefined) p.set('vm', q.vm);
    if (q.kind !== undefined) p.set('kind', q.kind);
    p.set('limit', String(q.limit));
    p.set('cursor', String(nextCursor));
    next = `${basePath}?${p.toString()}`;
  }
  return { events, next };
}

/** Zod issues → one line. */
export function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'query'}: ${i.message}`).join('; ');
}
