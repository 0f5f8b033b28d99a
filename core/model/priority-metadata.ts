// The libvirt <metadata> form of a VM's priority (core/model/priority.ts): one element in
// vmpilot's namespace, e.g.
//   <vmpilot:priority xmlns:vmpilot="https://vmpilot.dev/xmlns/priority/1" class="high" weight="2"/>
// read with virDomainGetMetadata(ELEMENT, PRIORITY_METADATA_URI) by the libvirt adapter.
import { XMLParser } from 'fast-xml-parser';
import { prioritySchema, type VmPriority } from './priority';

/** The XML namespace of vmpilot's metadata element (libvirt keys metadata by namespace URI). */
export const PRIORITY_METADATA_URI = 'https://vmpilot.dev/xmlns/priority/1';
/** The element's name (libvirt needs a prefix when setting it: `vmpilot`). */
export const PRIORITY_METADATA_ELEMENT = 'priority';

/** The metadata element for a priority (what `virsh metadata --set` or a domain XML holds). */
export function priorityMetadataXml(p: VmPriority): string {
  const weight = p.weight !== undefined ? ` weight="${p.weight}"` : '';
  return `<vmpilot:${PRIORITY_METADATA_ELEMENT} xmlns:vmpilot="${PRIORITY_METADATA_URI}" class="${p.class}"${weight}/>`;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', removeNSPrefix: true });

/**
 * Parses the element libvirt returns for vmpilot's namespace (virDomainGetMetadata ELEMENT).
 * Throws one line when the element is not a valid priority.
 */
export function parsePriorityMetadata(xml: string): VmPriority {
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (e) {
    throw new Error(`priority metadata is not XML: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  const el = (doc as Record<string, unknown> | null)?.[PRIORITY_METADATA_ELEMENT];
  if (typeof el !== 'object' || el === null)
    throw new Error(`priority metadata: no <${PRIORITY_METADATA_ELEMENT}> element`);
  const attrs = el as Record<string, unknown>;
  const raw = {
    class: attrs.class,
    ...(attrs.weight !== undefined ? { weight: Number(attrs.weight) } : {}),
  };
  const r = prioritySchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`priority metadata: ${issue.path.join('.') || 'element'}: ${issue.message}`);
  }
  return r.data;
}
