/** `npm run docs:errors`: writes docs/ERRORS.md from the error-code registry. */
import fs from 'node:fs/promises';
import { errorCatalogueMarkdown } from '../src/services/error-catalogue.js';

const file = new URL('../docs/ERRORS.md', import.meta.url);
await fs.writeFile(file, errorCatalogueMarkdown());
console.log('docs/ERRORS.md written');
