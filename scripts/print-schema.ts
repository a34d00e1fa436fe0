// npm run schema: writes schema.graphql from the Pothos schema (a test fails when it is stale).
import fs from 'node:fs';
import { printedSchema } from '../src/schema/index.js';

fs.writeFileSync(new URL('../schema.graphql', import.meta.url), printedSchema());
console.log('wrote schema.graphql');
