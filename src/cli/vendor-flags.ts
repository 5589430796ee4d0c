import { about, type VendorOptionSpec } from '../providers/define-vendor.js';
import { type RegisteredVendor, VENDORS } from '../providers/registry.js';

/** One command-line flag (and environment variable) that sets one option of a vendor's source. */
export interface VendorFlag {
  /** Option of the source it sets: `apiKey`. */
  option: string;
  /** Flag name without dashes: `okchat-api-key`. */
  flag: string;
  /** Environment variable: `OKCHAT_API_KEY`. */
  env: string;
  spec: VendorOptionSpec;
  help: string;
}

/** `chatbotId` -> `chatbot-id`, `baseURL` -> `base-url`. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s-]+/);
}

/**
 * A vendor's flags, derived from its descriptor: `--<vendor>-<option>` and `<VENDOR>_<OPTION>`
 * for each of its declared options, plus the base URL where the vendor has a default one.
 */
export function vendorFlags(entry: RegisteredVendor): VendorFlag[] {
  const { vendor } = entry;
  const specs: [string, VendorOptionSpec][] = Object.entries(vendor.options).filter(
    (pair): pair is [string, VendorOptionSpec] => pair[1] !== undefined,
  );
  if (vendor.defaultBaseURL !== undefined && !('baseURL' in vendor.options)) {
    specs.push([
      'baseURL',
      { label: 'API base URL', description: `default ${vendor.defaultBaseURL}` },
    ]);
  }
  return specs.map(([option, spec]) => {
    const name = [...words(vendor.id), ...words(option)];
    const help = `${capitalized(about(vendor, spec))}${spec.secret ? ' (prefer the environment variable: flags show in process lists)' : ''}.`;
    return { option, flag: name.join('-'), env: name.join('_').toUpperCase(), spec, help };
  });
}

/** Every registered vendor with its flags, in registry order. */
export const VENDOR_FLAGS: readonly { entry: RegisteredVendor; flags: VendorFlag[] }[] =
  VENDORS.map((entry) => ({ entry, flags: vendorFlags(entry) }));

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
