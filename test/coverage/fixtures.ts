/**
 * A technique detonated into `dir` for `duration`, and a "detector" that lists the directory from
 * the run's start (a command's first output is its baseline): it sees the dropped file
 * (detected) or looks for a name that never comes (missed).
 */
export function techniqueDrill(fault: string, dir: string, duration: string, detects: boolean): string {
  const regex = detects ? '^(firedrill-|fd-shell-)' : '^never-there$';
  return `title: ${fault} drill
targets:
  host: { kind: host, selector: { name: local } }
method:
  - { name: plant, fault: ${fault}, target: host, params: { directory: "${dir}" }, duration: ${duration} }
expectations:
  - { name: fim, within: ${detects ? '20s' : '300ms'}, from: start, log: { command: [ls, "${dir}"], regex: '${regex}', every: 100ms } }
`;
}
