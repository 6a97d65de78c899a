import { describe, expect, it } from 'vitest';
import type { CheckResult, Remedy } from '../src/check.js';
import { suggestedRemedies } from '../src/fix/plan.js';

const remedy = (id: string): Remedy => ({ id, title: id, commands: [], files: [], reboot: false });
const result = (
  id: string,
  status: CheckResult['status'],
  severity: 'advice' | 'warn',
  remedyId: string,
): CheckResult => ({
  id,
  title: id,
  status,
  summary: '',
  evidence: [],
  findings: [{ code: `${id}-finding`, severity, message: '' }],
  remedies: [remedy(remedyId)],
  durationMs: 0,
  metrics: [],
});

describe('which remedies fix plans', () => {
  const results = [
    result('scheduler', 'ok', 'advice', 'sched-credit'),
    result('grant-tables', 'warn', 'warn', 'gnttab-max-frames'),
  ];

  it('plans the remedies of warnings, not of advice, when no remedy is named', () => {
    const { remedies } = suggestedRemedies(results);
    expect(remedies.map((r) => r.remedy.id)).toEqual(['gnttab-max-frames']);
  });

  it("plans an advice's remedy when --only names it", () => {
    const { remedies, notSuggested } = suggestedRemedies(results, ['sched-credit']);
    expect(remedies.map((r) => r.remedy.id)).toEqual(['sched-credit']);
    expect(notSuggested).toEqual([]);
  });
});
