// What the fronts say about a run's budget before it starts: a cost budget the engine cannot keep (the
// model has no price), an estimate over the budget, a budget smaller than one call's worst case. The
// worst case is the engine's: every prompt token plus the call's full output cap, priced rounded up.
import type { BudgetProblem, Estimate } from '../../../shared/contract.ts';
import type { AgentSpec, RunOptions } from '../../../shared/domain.ts';
import { CallError } from '../errors.ts';
import { budgetProblem, costMicros, formatUsd, usdToMicros } from '../engine/budget.ts';
import { lookupPrice, outputCap } from '../engine/pricing.ts';

type Limits = Pick<RunOptions, 'maxCost' | 'maxTokens'>;

/** Refuses a cost budget the engine could not keep, before anything is created or sent. */
export function refuseUnkeptBudget(agent: AgentSpec, limits: Limits): void {
  const problem = budgetProblem(agent, limits);
  if (problem) throw new CallError('bad-input', `${problem[0].toUpperCase()}${problem.slice(1)}.`, ['options.maxCost', 'agent.pricing']);
}

/**
 * The budget's problems for this estimate. `cheapestPrompt` is the fewest prompt tokens of any row
 * (null: no rows): a budget under that call's worst case runs no row at all.
 */
export function budgetProblems(agent: AgentSpec, limits: Limits, estimate: Estimate, cheapestPrompt: number | null): BudgetProblem[] {
  const problems: BudgetProblem[] = [];
  const price = lookupPrice(agent.model, agent.pricing);
  const cap = outputCap(agent.model, agent.maxTokensPerCall);
  const remedy = `lower the agent's output cap (maxTokensPerCall, now ${cap.toLocaleString('en-US')} tokens) or raise the budget`;

  if (limits.maxCost !== undefined) {
    const budget = formatUsd(usdToMicros(limits.maxCost));
    if (!price.known) {
      problems.push({
        kind: 'unpriced-model',
        field: 'maxCost',
        blocksStart: true,
        message:
          `The model "${agent.model}" has no known price, so the cost budget of ${budget} cannot be kept: ` +
          'set pricing.inputPerMTok and pricing.outputPerMTok (USD per million tokens; Price in and Price out under Advanced on the Agent screen), ' +
          'or use a token budget (Max tokens) instead.',
      });
    } else {
      const worst = cheapestPrompt === null ? null : costMicros({ promptTokens: cheapestPrompt, completionTokens: cap }, price.pricing);
      if (worst !== null && worst > usdToMicros(limits.maxCost)) {
        problems.push({
          kind: 'budget-under-one-call',
          field: 'maxCost',
          blocksStart: false,
          message: `This budget (${budget}) is smaller than one call's worst case (${formatUsd(worst)}), so no row would run: ${remedy}.`,
        });
      } else if (estimate.costUsd !== null && usdToMicros(estimate.costUsd) > usdToMicros(limits.maxCost)) {
        problems.push({
          kind: 'estimate-over-budget',
          field: 'maxCost',
          blocksStart: false,
          message: `The estimate (≈ ${formatUsd(usdToMicros(estimate.costUsd))}) is over the budget of ${budget}: the run will stop when the budget is reached, with rows left undone.`,
        });
      }
    }
  }

  if (limits.maxTokens !== undefined) {
    const budget = `${limits.maxTokens.toLocaleString('en-US')} tokens`;
    const worst = cheapestPrompt === null ? null : cheapestPrompt + cap;
    const estimated = estimate.promptTokens + estimate.completionTokens;
    if (worst !== null && worst > limits.maxTokens) {
      problems.push({
        kind: 'budget-under-one-call',
        field: 'maxTokens',
        blocksStart: false,
        message: `This token budget (${budget}) is smaller than one call's worst case (${worst.toLocaleString('en-US')} tokens), so no row would run: ${remedy}.`,
      });
    } else if (estimated > limits.maxTokens) {
      problems.push({
        kind: 'estimate-over-budget',
        field: 'maxTokens',
        blocksStart: false,
        message: `The estimate (≈ ${estimated.toLocaleString('en-US')} tokens) is over the budget of ${budget}: the run will stop when the budget is reached, with rows left undone.`,
      });
    }
  }
  return problems;
}
