// `npm run demo`: the storefront demo — a small shop's cashier page taking payments on a simulated
// QFPay terminal over real HTTPS, with QFPay's notifications arriving at the notify server.
// Prints one URL. Options: --port N (0 = any free port), --data-dir DIR, --quiet, --no-open.
import { main } from '../examples/storefront/dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
