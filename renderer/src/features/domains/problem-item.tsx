import { Typography } from 'antd';
import type { DomainProblem } from '@contract/domains';

/** One problem in a list: the domain it concerns, the message, and virsh's unparsed text when there is some. */
export function ProblemItem({ problem, showDomain = true }: { problem: DomainProblem; showDomain?: boolean }) {
  return (
    <li>
      {showDomain && problem.domain && <Typography.Text code>{problem.domain}</Typography.Text>} {problem.message}
      {problem.raw !== undefined && problem.raw !== '' && (
        <pre className="drover-domain-problem-raw" data-testid="domain-problem-raw">
          {problem.raw}
        </pre>
      )}
    </li>
  );
}
