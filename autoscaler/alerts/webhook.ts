// Alertmanager's webhook payload (version 4), validated with zod. Alertmanager posts one
// per notification of a group; it retries a failed post, and re-sends the whole group on
// every group_interval / repeat_interval, so the receiver must be idempotent (inbox.ts).
// https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
import { z } from 'zod';

const labelSet = z.record(z.string(), z.string());

const time = z.string().refine((s) => Number.isFinite(Date.parse(s)), { message: 'not an RFC 3339 time' });

export const webhookAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: time,
  /** Alertmanager sends 0001-01-01T00:00:00Z for a firing alert without an end. */
  endsAt: time,
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1).max(64),
});

export const webhookPayloadSchema = z.object({
  version: z.literal('4', { message: 'only Alertmanager webhook version "4" is understood' }),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labelSet,
  commonLabels: labelSet,
  commonAnnotations: labelSet,
  externalURL: z.string(),
  alerts: z.array(webhookAlertSchema).max(10_000),
});

export type WebhookAlert = z.output<typeof webhookAlertSchema>;
export type WebhookPayload = z.output<typeof webhookPayloadSchema>;
