// What a VM carries for vmpilot in its libvirt <metadata>: ONE element in vmpilot's
// namespace, read with virDomainGetMetadata(ELEMENT, VM_METADATA_URI) by the libvirt
// adapter. Its priority (issue 13, core/model/priority.ts) and the operator's placement
// constraints (issue 14): never migrate or re-tune it, and the hosts it may run on, e.g.
//   <vmpilot:priority xmlns:vmpilot="https://vmpilot.dev/xmlns/priority/1"
//                     class="high" weight="2" exclude="true" hosts="kvm-a,kvm-b"/>
// The element and namespace keep their issue-13 names (domains already carry them); every
// attribute is optional. Config may set or override each of them (planner.priorities,
// planner.exclude, planner.pins).
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { PRIORITY_CLASSES, prioritySchema, type VmPriority } from './priority';

/** The XML namespace of vmpilot's metadata element (libvirt keys metadata by namespace URI). */
export const VM_METADATA_URI = 'https://vmpilot.dev/xmlns/priority/1';
/** The element's name (libvirt needs a prefix when setting it: `vmpilot`). */
export const VM_METADATA_ELEMENT = 'priority';

/** A host name as libvirt and the config spell it. */
const hostName = z.string().regex(/^[A-Za-z0-9._-]+$/, 'expected host names (letters, digits, . _ -)');

export interface VmMetadata {
  priority?: VmPriority;
  /** The operator excluded the VM: never migrated or re-tuned. */
  exclude?: boolean;
  /** The hosts the VM may run on (a pin set); absent: any host. */
  pinnedHosts?: string[];
}

/** The metadata element for a VM's settings (what `virsh metadata --set` or a domain XML holds). */
export function vmMetadataXml(m: VmMetadata): string {
  const attrs = [
    m.priority ? ` class="${m.priority.class}"` : '',
    m.priority?.weight !== undefined ? ` weight="${m.priority.weight}"` : '',
    m.exclude !== undefined ? ` exclude="${m.exclude}"` : '',
    m.pinnedHosts ? ` hosts="${m.pinnedHosts.join(',')}"` : '',
  ].join('');
  return `<vmpilot:${VM_METADATA_ELEMENT} xmlns:vmpilot="${VM_METADATA_URI}"${attrs}/>`;
}

/** The element for a priority alone (issue 13's form). */
export function priorityMetadataXml(p: VmPriority): string {
  return vmMetadataXml({ priority: p });
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseAttributeValue: false,
});

const bool = z.enum(['true', 'false', '1', '0'], { message: 'expected true or false' });

const attributesSchema = z
  .object({
    class: z.enum(PRIORITY_CLASSES).optional(),
    weight: z.coerce.number().positive().optional(),
    exclude: bool.optional(),
    /** Host names separated by commas or spaces. */
    hosts: z
      .string()
      .transform((s) => s.split(/[\s,]+/).filter(Boolean))
      .pipe(z.array(hostName).min(1, 'expected at least one host name'))
      .optional(),
  })
  .refine((a) => a.weight === undefined || a.class !== undefined, {
    message: 'a weight needs a class',
    path: ['weight'],
  });

/**
 * Parses the element libvirt returns for vmpilot's namespace (virDomainGetMetadata ELEMENT).
 * Throws one line when the element is missing or an attribute is invalid.
 */
export function parseVmMetadata(xml: string): VmMetadata {
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (e) {
    throw new Error(`vmpilot metadata is not XML: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  const el = (doc as Record<string, unknown> | null)?.[VM_METADATA_ELEMENT];
  if (el !== '' && (typeof el !== 'object' || el === null))
    throw new Error(`vmpilot metadata: no <${VM_METADATA_ELEMENT}> element`);
  const r = attributesSchema.safeParse(el === '' ? {} : el);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`vmpilot metadata: ${issue.path.join('.') || 'element'}: ${issue.message}`);
  }
  const a = r.data;
  const out: VmMetadata = {};
  if (a.class !== undefined)
    out.priority = prioritySchema.parse({
      class: a.class,
      ...(a.weight !== undefined ? { weight: a.weight } : {}),
    });
  if (a.exclude !== undefined) out.exclude = a.exclude === 'true' || a.exclude === '1';
  if (a.hosts !== undefined) out.pinnedHosts = a.hosts;
  return out;
}
