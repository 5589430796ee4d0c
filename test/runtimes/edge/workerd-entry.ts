import { handle } from './handle.js';

// A Cloudflare Worker (module syntax), run by workerd without nodejs_compat.
export default { fetch: handle };
