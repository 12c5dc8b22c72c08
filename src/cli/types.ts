import pc from 'picocolors';
import { UserError } from '../errors.js';
import { describeTypes, referenceMarkdown } from '../experiment/reference.js';
import { didYouMean } from '../util/suggest.js';
import { loadCatalog } from '../runs/catalog.js';
import { EXIT } from './exit-codes.js';

/** `firedrill types [name]`: what can be injected and observed, with every parameter. */
export interface TypesOptions {
  readonly json?: boolean;
  readonly markdown?: boolean;
}

export async function typesCommand(name: string | undefined, options: TypesOptions): Promise<number> {
  const catalog = await loadCatalog();
  if (options.markdown) {
    process.stdout.write(referenceMarkdown(catalog));
    return EXIT.passed;
  }
  const docs = describeTypes(catalog);
  const chosen = name === undefined ? docs : docs.filter((d) => d.name === name);
  if (chosen.length === 0) {
    throw new UserError(
      'FD_UNKNOWN_TYPE',
      `no fault or probe type "${name}"${didYouMean(
        name ?? '',
        docs.map((d) => d.name),
      )}; \`firedrill types\` lists them`,
    );
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(chosen, null, 2)}\n`);
    return EXIT.passed;
  }
  const c = pc.createColors(Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env));
  if (name === undefined) {
    for (const kind of ['fault', 'probe'] as const) {
      process.stdout.write(`${c.bold(kind === 'fault' ? 'Faults' : 'Probes (also usable as actions)')}\n`);
      for (const d of docs.filter((doc) => doc.kind === kind)) process.stdout.write(`  ${d.name.padEnd(16)} ${d.summary}\n`);
    }
    process.stdout.write(`\n${c.dim('`firedrill types NAME` shows the parameters of one type.')}\n`);
    return EXIT.passed;
  }
  for (const d of chosen) {
    process.stdout.write(`${c.bold(d.name)} (${d.kind}) — ${d.summary}\n${c.dim(d.notes)}\n`);
    for (const p of d.params) {
      const need = p.required ? c.yellow('required') : p.default !== undefined ? `default ${JSON.stringify(p.default)}` : 'optional';
      process.stdout.write(
        `  ${p.name.padEnd(14)} ${c.dim(p.type.replace(/\\\|/g, '|'))}  ${need}\n${p.description ? `                 ${p.description}\n` : ''}`,
      );
    }
  }
  return EXIT.passed;
}
