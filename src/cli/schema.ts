import { experimentJsonSchema } from '../experiment/json-schema.js';
import { loadCatalog } from '../runs/catalog.js';
import { EXIT } from './exit-codes.js';

export async function schemaCommand(): Promise<number> {
  process.stdout.write(`${JSON.stringify(experimentJsonSchema(await loadCatalog()), null, 2)}\n`);
  return EXIT.passed;
}
