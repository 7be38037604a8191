/** `npm run sdk:types`: writes sdk/src/generated/api.ts from the app's OpenAPI document. */
import fs from 'node:fs/promises';
import { currentOpenApiDocument, sdkTypesFile, sdkTypesSource } from './sdk-types.js';

await fs.writeFile(sdkTypesFile, await sdkTypesSource(await currentOpenApiDocument()));
console.log('sdk/src/generated/api.ts written');
