// `vmpilot plan --config FILE [--json]`: one round (global + local) on live data, printed
// with reasons; nothing is applied and nothing is journalled.
import type { Command } from 'commander';
import type { ActionKind, Plan } from '../../../core/model/plan';
import { withPlanningService } from '../planning-service';

export interface PlanJson {
  at: string;
  held: { host: string; reason: string }[];
  /** VMs left alone this round (no samples yet, excluded by the operator), with why. */
  heldVms?: { vm: string; host: string; code: string; reason: string }[];
  /** Why no migration may start this round (outside the migration windows). */
  migrationHold?: { code: string; reason: string };
  actions: {
    kind: ActionKind;
    vm: string;
    from: string;
    to?: string;
    params: Plan['actions'][number]['params'];
    /** The values the planner saw before the action, when it knew them (same keys as params). */
    before?: Plan['actions'][number]['before'];
    reason: Plan['actions'][number]['reason'];
  }[];
}

export function planToJson(plan: Plan): PlanJson {
  return {
    at: new Date(plan.at).toISOString(),
    held: plan.held,
    ...(plan.heldVms?.length ? { heldVms: plan.heldVms } : {}),
    ...(plan.migrationHold ? { migrationHold: plan.migrationHold } : {}),
    actions: plan.actions.map((a) => ({
      kind: a.kind,
      vm: a.vm,
      from: a.from,
      ...(a.to !== undefined ? { to: a.to } : {}),
      params: a.params,
      ...(a.before !== undefined ? { before: a.before } : {}),
      reason: a.reason,
    })),
  };
}

export function formatPlan(p: PlanJson): string {
  const lines = [`plan at ${p.at}: ${p.actions.length} action(s), ${p.held.length} held host(s)`];
  for (const h of p.held) lines.push(`  held ${h.host}: ${h.reason}`);
  for (const v of p.heldVms ?? []) lines.push(`  held VM ${v.vm} on ${v.host}: ${v.reason}`);
  if (p.migrationHold) lines.push(`  no migrations: ${p.migrationHold.reason}`);
  for (const a of p.actions) {
    const target =
      a.kind === 'migrate' || a.kind === 'restart'
        ? `${a.from} → ${a.to ?? '?'}`
        : `on ${a.from} ${JSON.stringify(a.params)}`;
    lines.push(`  ${a.kind} ${a.vm} ${target}`);
    lines.push(`      because [${a.reason.rule}] ${a.reason.text}`);
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('plan')
    .description(
      'run one planner round (global + local) on live data and print it with reasons; nothing is applied',
    )
    .requiredOption('--config <file>', 'path to vmpilot.yaml')
    .option(
      '--json',
      'print JSON ({"at","held":[{host,reason}],"actions":[{kind,vm,from,to,params,reason}]})',
    )
    .action(async (opts: { config: string; json?: boolean }) => {
      const out = await withPlanningService(opts.config, 'vmpilot-plan', async (service) =>
        planToJson((await service.planRound('both')).plan),
      );
      process.stdout.write(opts.json ? `${JSON.stringify(out, null, 2)}\n` : `${formatPlan(out)}\n`);
    });
}
