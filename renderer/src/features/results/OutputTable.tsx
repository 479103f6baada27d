// A row's output fields as a two-column table: the field's name, then its value as a cell shows it.
import type { OutputValues } from '../../../../shared/domain.ts';
import { cellText } from '../../format.ts';

export function OutputTable({ output, testId }: { output: OutputValues; testId?: string }) {
  return (
    <table className="kv" data-testid={testId}>
      <tbody>
        {Object.entries(output).map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td>
              <pre className="wrap">{cellText(v)}</pre>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
