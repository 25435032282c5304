/** Process entry for `npm start`: the same as `tessera serve`. */
import { runCli } from './cli.js';

void runCli(['serve']);
