/** Each integration test file starts manku's processes from the copy global-setup.ts built (testkit/entry-points.ts). */
import { inject } from 'vitest';
import { useBuiltEntryPoints } from '../testkit/entry-points.js';

useBuiltEntryPoints(inject('entryPoints'));
