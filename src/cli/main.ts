import { runBalerProcess } from './main-process.js';

await runBalerProcess();
