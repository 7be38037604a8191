import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configVariables } from '../src/config.js';
import { projectRoot } from './helpers/process.js';

// Someone setting the server up reads the README's table and .env.example, not config.ts.
describe('configuration documents', () => {
  it('name every variable the server reads, in the README table and in .env.example', async () => {
    const readme = await fs.readFile(path.join(projectRoot, 'README.md'), 'utf8');
    const example = await fs.readFile(path.join(projectRoot, '.env.example'), 'utf8');
    const undocumented = configVariables.filter((name) => !readme.includes(`\`${name}\``));
    const notInExample = configVariables.filter((name) => !new RegExp(`^(# )?${name}=`, 'm').test(example));
    expect({ undocumented, notInExample }).toEqual({ undocumented: [], notInExample: [] });
    expect(configVariables).toContain('S3_BUCKET');
  });
});
