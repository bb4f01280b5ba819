import type { SbomRow } from './sboms.repository.js';
import type { Sbom } from './sboms.schemas.js';
import type { SbomComponentsTable } from './sboms.tables.js';

const json = <T>(text: string | null, fallback: T): T => (text ? (JSON.parse(text) as T) : fallback);

export function presentSbom(row: SbomRow): Sbom {
  return {
    id: row.id,
    productId: row.product_id,
    productName: row.product_name,
    vendorId: row.vendor_id,
    vendorName: row.vendor_name,
    release: row.release,
    current: Number(row.is_current) === 1,
    format: row.format as Sbom['format'],
    encoding: row.encoding,
    specVersion: row.spec_version,
    serialNumber: row.serial_number,
    documentCreatedAt: row.document_created_at,
    tools: json<string[]>(row.tools, []),
    root: row.root_ref === null ? null : { ref: row.root_ref, name: row.root_name, version: row.root_version, purl: row.root_purl },
    componentCount: Number(row.component_count),
    dependencyCount: Number(row.dependency_count),
    warnings: json<string[]>(row.warnings, []),
    document: { byteSize: Number(row.byte_size), sha256: row.sha256, mediaType: row.media_type },
    uploadedAt: row.uploaded_at,
    uploadedBy: row.uploaded_by,
  };
}

export function presentComponent(row: SbomComponentsTable) {
  return {
    idx: Number(row.idx),
    ref: row.ref ?? row.purl ?? '',
    name: row.name,
    group: row.group_name,
    version: row.version,
    purl: row.purl,
    purlType: row.purl_type,
    qualifiers: json<Record<string, string>>(row.purl_qualifiers, {}),
    ecosystem: row.ecosystem,
    packageName: row.package_name,
    type: row.type,
    scope: row.scope,
    supplier: row.supplier,
    licenses: json<string[]>(row.licenses, []),
    hashes: json<Record<string, string>>(row.hashes, {}),
    cpe: row.cpe,
    direct: Number(row.direct) === 1,
    depth: Number(row.depth),
    parentIdx: row.parent_idx === null ? null : Number(row.parent_idx),
  };
}
