#!/usr/bin/env node
// The `edgeloop` command (package.json "bin"). Each subcommand is a module
// of its own under src/cli/; this file only hands over the arguments.
import { main } from './cli/main.js';

process.exitCode = await main(process.argv.slice(2));
