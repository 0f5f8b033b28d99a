// Alertmanager's webhook payload (version 4), validated with zod. Alertmanager posts one
// per notification of a group; it retries a failed post, and re-sends the whole group on
// every group_interval / repeat_interval, so the receiver must be idempotent (inbox.ts).
// https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
import { z } from 'zod';

// Caps (issue 17): one alert's labels and annotations end up in a journal line, so their
// number and sizes are bounded; a notification beyond them is refused with 400.
export const WEBHOOK_LIMITS = {
  labels: 64,
  labelName: 128,
  labelValue: 1024,
  annotationValue: 4096,
  text: 4096,
  alerts: 10_000,
} as const;

const L = WEBHOOK_LIMITS;
const boundedSet = (maxValue: number) =>
  z
    .record(z.string().max(L.labelName), z.string().max(maxValue))
    .refine((o) => Object.keys(o).length <= L.labels, { message: `more than ${L.labels} entries` });
const labelSet = boundedSet(L.labelValue);
const annotationSet = boundedSet(L.annotationValue);

const time = z
  .string()
  .max(64)
  .refine((s) => Number.isFinite(Date.parse(s)), { message: 'not an RFC 3339 time' });

export const webhookAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: annotationSet.default({}),
  startsAt: time,
  /** Alertmanager sends 0001-01-01T00:00:00Z for a firing alert without an end. */
  endsAt: time,
  generatorURL: z.string().max(L.text).optional(),
  fingerprint: z.string().min(1).max(64),
});

export const webhookPayloadSchema = z.object({
  version: z.literal('4', { message: 'only Alertmanager webhook version "4" is understood' }),
  groupKey: z.string().max(L.text),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(L.text),
  groupLabels: labelSet,
  commonLabels: labelSet,
  commonAnnotations: annotationSet,
  externalURL: z.string().max(L.text),
  alerts: z.array(webhookAlertSchema).max(L.alerts),
});

export type WebhookAlert = z.output<typeof webhookAlertSchema>;
export type WebhookPayload = z.output<typeof webhookPayloadSchema>;

/** Alerts validated (and, by the service, received) between two turns of the event loop. */
export const WEBHOOK_SLICE = 1000;

const envelopeSchema = webhookPayloadSchema.extend({ alerts: z.array(z.unknown()).max(L.alerts) });
const alertSliceSchema = z.array(webhookAlertSchema);

/** Lets the event loop serve what waits (/healthz, a scrape) before the next slice. */
export const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * webhookPayloadSchema.safeParse, with the alerts validated WEBHOOK_SLICE at a time and the
 * event loop served between slices: 10,000 alerts are ~100 ms of zod, which in one piece
 * would hold every other request that long. Issue paths are the whole payload's.
 */
export async function parseWebhookInSlices(
  body: unknown,
  slice = WEBHOOK_SLICE,
): Promise<{ success: true; data: WebhookPayload } | { success: false; error: z.ZodError }> {
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) return { success: false, error: envelope.error };
  const raw = envelope.data.alerts;
  const alerts: WebhookAlert[] = [];
  for (let from = 0; from < raw.length; from += slice) {
    if (from > 0) await yieldToEventLoop();
    const p = alertSliceSchema.safeParse(raw.slice(from, from + slice));
    if (!p.success)
      return {
        success: false,
        error: new z.ZodError(
          p.error.issues.map((i) => ({
            ...i,
            path: ['alerts', from + Number(i.path[0]), ...i.path.slice(1)],
          })),
        ),
      };
    alerts.push(...p.data);
  }
  return { success: true, data: { ...envelope.data, alerts } };
}
