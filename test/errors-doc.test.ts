import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCatalogueMarkdown } from '../src/services/error-catalogue.js';
import { projectRoot } from './helpers/process.js';

describe('error catalogue', () => {
  it('docs/ERRORS.md is what the registry says (npm run docs:errors rewrites it)', async () => {
    const written = await fs.readFile(path.join(projectRoot, 'docs/ERRORS.md'), 'utf8');
    expect(written).toBe(errorCatalogueMarkdown());
  });
});
