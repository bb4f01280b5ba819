// SBOMs for the demo organisation (src/modules/vendors/demo.ts), generated in code: CycloneDX 1.5
// JSON with realistic package URLs, licenses and dependency graphs. Hashes are synthetic
// (SHA-256 of a label), never real indicators. The 3CX Desktop App has two releases to diff:
// Electron moves on, a dependency arrives, and ffmpeg and d3dcompiler_47 keep their versions
// but change hashes — what a tampered build looks like in an SBOM.
import { createHash } from 'node:crypto';
import type { RequestContext } from '../../platform/context.js';
import type { VendorService } from '../vendors/vendors.service.js';
import { ESTATE } from './sboms.estate.js';
import type { SbomService } from './sboms.service.js';

interface Pkg {
  purl: string;
  license?: string;
  /** Salt for the synthetic hash: a different salt is a different build of the same version. */
  build?: string;
  deps?: string[];
}

export interface DemoSbom {
  vendor: string;
  product: string;
  release: string;
  root: string;
  direct: string[];
  packages: Pkg[];
  timestamp: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function nameAndVersion(purl: string): { group?: string; name: string; version: string } {
  const path = purl.replace(/^pkg:[^/]+\//, '').replace(/[?#].*$/, '');
  const at = path.lastIndexOf('@');
  const version = decodeURIComponent(path.slice(at + 1));
  const segments = path.slice(0, at).split('/').map(decodeURIComponent);
  const name = segments.pop()!;
  return segments.length ? { group: segments.join('/'), name, version } : { name, version };
}

export function demoDocument(sbom: DemoSbom): string {
  const rootInfo = nameAndVersion(sbom.root);
  const serial = sha256(`${sbom.vendor}/${sbom.product}/${sbom.release}`);
  return JSON.stringify(
    {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      serialNumber: `urn:uuid:${serial.slice(0, 8)}-${serial.slice(8, 12)}-4${serial.slice(13, 16)}-a${serial.slice(17, 20)}-${serial.slice(20, 32)}`,
      version: 1,
      metadata: {
        timestamp: sbom.timestamp,
        tools: { components: [{ type: 'application', name: 'thirdwatch-demo', version: '1.0.0' }] },
        component: { type: 'application', 'bom-ref': sbom.root, name: rootInfo.name, version: rootInfo.version, purl: sbom.root },
      },
      components: sbom.packages.map((p) => {
        const { group, name, version } = nameAndVersion(p.purl);
        return {
          type: p.purl.startsWith('pkg:generic/') ? 'file' : 'library',
          'bom-ref': p.purl,
          ...(group ? { group } : {}),
          name,
          version,
          hashes: [{ alg: 'SHA-256', content: sha256(`${p.purl}#${p.build ?? ''}`) }],
          ...(p.license ? { licenses: p.license.includes(' ') || p.license.startsWith('LicenseRef-') ? [{ expression: p.license }] : [{ license: { id: p.license } }] } : {}),
          purl: p.purl,
        };
      }),
      dependencies: [
        { ref: sbom.root, dependsOn: sbom.direct },
        ...sbom.packages.map((p) => ({ ref: p.purl, dependsOn: p.deps ?? [] })),
      ],
    },
    null,
    2,
  );
}

const npm = (name: string, version: string, license = 'MIT', deps: string[] = []): Pkg => ({
  purl: `pkg:npm/${name.startsWith('@') ? `%40${name.slice(1)}` : name}@${version}`,
  license,
  deps,
});
const p = (pkg: Pkg) => pkg.purl;

/** The npm dependency trees Electron apps commonly ship, keyed by the package that pulls them in. */
function electronAppPackages(electronVersion: string, chromium: string, node: string, extra: { ffmpeg?: string; ffmpegBuild?: string; d3dBuild?: string; axios?: string } = {}) {
  const ms = npm('ms', '2.1.2');
  const debug = npm('debug', '4.3.4', 'MIT', [p(ms)]);
  const sax = npm('sax', '1.2.4', 'ISC');
  const builderUtil = npm('builder-util-runtime', '9.1.1', 'MIT', [p(debug), p(sax)]);
  const gracefulFs = npm('graceful-fs', '4.2.10', 'ISC');
  const universalify = npm('universalify', '2.0.0');
  const jsonfile = npm('jsonfile', '6.1.0', 'MIT', [p(universalify), p(gracefulFs)]);
  const fsExtra = npm('fs-extra', '10.1.0', 'MIT', [p(gracefulFs), p(jsonfile), p(universalify)]);
  const argparse = npm('argparse', '2.0.1', 'Python-2.0');
  const jsYaml = npm('js-yaml', '4.1.0', 'MIT', [p(argparse)]);
  const yallist = npm('yallist', '4.0.0', 'ISC');
  const lruCache = npm('lru-cache', '6.0.0', 'ISC', [p(yallist)]);
  const semver = npm('semver', '7.3.8', 'ISC', [p(lruCache)]);
  const lazyVal = npm('lazy-val', '1.0.5');
  const isEqual = npm('lodash.isequal', '4.5.0');
  const escapeRegexp = npm('lodash.escaperegexp', '4.1.2');
  const updater = npm('electron-updater', '5.3.0', 'MIT', [p(builderUtil), p(fsExtra), p(jsYaml), p(lazyVal), p(isEqual), p(escapeRegexp), p(semver)]);
  const log = npm('electron-log', '4.4.8');
  const fastDeepEqual = npm('fast-deep-equal', '3.1.3');
  const traverse = npm('json-schema-traverse', '1.0.0');
  const requireFromString = npm('require-from-string', '2.0.2');
  const punycode = npm('punycode', '2.1.1');
  const uriJs = npm('uri-js', '4.4.1', 'BSD-2-Clause', [p(punycode)]);
  const ajv = npm('ajv', '8.11.0', 'MIT', [p(fastDeepEqual), p(traverse), p(requireFromString), p(uriJs)]);
  const mimicFn = npm('mimic-fn', '3.1.0');
  const debounceFn = npm('debounce-fn', '4.0.0', 'MIT', [p(mimicFn)]);
  const isObj = npm('is-obj', '2.0.0');
  const dotProp = npm('dot-prop', '6.0.1', 'MIT', [p(isObj)]);
  const envPaths = npm('env-paths', '2.2.1');
  const conf = npm('conf', '10.2.0', 'MIT', [p(ajv), p(debounceFn), p(dotProp), p(envPaths), p(semver)]);
  const store = npm('electron-store', '8.1.0', 'MIT', [p(conf)]);
  const followRedirects = npm('follow-redirects', '1.15.2');
  const asynckit = npm('asynckit', '0.4.0');
  const delayedStream = npm('delayed-stream', '1.0.0');
  const combinedStream = npm('combined-stream', '1.0.8', 'MIT', [p(delayedStream)]);
  const mimeDb = npm('mime-db', '1.52.0');
  const mimeTypes = npm('mime-types', '2.1.35', 'MIT', [p(mimeDb)]);
  const formData = npm('form-data', '4.0.0', 'MIT', [p(asynckit), p(combinedStream), p(mimeTypes)]);
  const axios = npm('axios', extra.axios ?? '0.27.2', 'MIT', [p(followRedirects), p(formData)]);
  const ws = npm('ws', '8.11.0');
  const uuid = npm('uuid', '9.0.0');
  // Chromium's ffmpeg build ships inside every Electron app (ffmpeg.dll / libffmpeg.so).
  const ffmpeg: Pkg = { purl: `pkg:generic/ffmpeg@${extra.ffmpeg ?? '6.1.1'}`, license: 'LGPL-2.1-or-later', build: extra.ffmpegBuild };
  const d3d: Pkg = { purl: 'pkg:generic/d3dcompiler_47@10.0.22000.194', license: 'LicenseRef-Microsoft-DirectX-Redistributable', build: extra.d3dBuild };
  const chromiumPkg: Pkg = { purl: `pkg:generic/chromium@${chromium}`, license: 'BSD-3-Clause', deps: [p(ffmpeg)] };
  const nodePkg: Pkg = { purl: `pkg:generic/node@${node}`, license: 'MIT', deps: ['pkg:generic/openssl@3.0.13'] };
  const openssl: Pkg = { purl: 'pkg:generic/openssl@3.0.13', license: 'Apache-2.0' };
  const electron = npm('electron', electronVersion, 'MIT', [p(chromiumPkg), p(nodePkg), p(ffmpeg), p(d3d)]);
  const packages = [
    electron, chromiumPkg, nodePkg, openssl, ffmpeg, d3d, updater, builderUtil, debug, ms, sax, fsExtra, gracefulFs, jsonfile, universalify, jsYaml,
    argparse, semver, lruCache, yallist, lazyVal, isEqual, escapeRegexp, log, store, conf, ajv, fastDeepEqual, traverse, requireFromString, uriJs,
    punycode, debounceFn, mimicFn, dotProp, isObj, envPaths, axios, followRedirects, formData, asynckit, combinedStream, delayedStream, mimeTypes, mimeDb,
    ws, uuid,
  ];
  return { packages, direct: [p(electron), p(updater), p(log), p(store), p(axios), p(ws), p(uuid)] };
}

function threeCx(release: '18.12.407' | '18.12.416'): DemoSbom {
  const later = release === '18.12.416';
  const base = electronAppPackages(later ? '19.1.9' : '19.0.8', '102.0.5005.167', '16.14.2', {
    ffmpeg: '4.4.1',
    ffmpegBuild: later ? '3cx-18.12.416' : '3cx-18.12.407',
    d3dBuild: later ? '3cx-18.12.416' : '3cx-18.12.407',
    axios: later ? '1.2.1' : '0.27.2',
  });
  const keytar = npm('keytar', '7.9.0', 'MIT', ['pkg:npm/node-addon-api@4.3.0']);
  const addonApi = npm('node-addon-api', '4.3.0');
  const extra = later ? [npm('electron-context-menu', '3.6.1')] : [];
  return {
    vendor: '3CX',
    product: '3CX Desktop App',
    release,
    root: `pkg:npm/3cx-desktop-app@${release}`,
    direct: [...base.direct, p(keytar), ...extra.map(p)],
    packages: [...base.packages, keytar, addonApi, ...extra],
    timestamp: later ? '2023-03-07T09:12:00Z' : '2023-02-21T10:30:00Z',
  };
}

function electronProduct(vendor: string, product: string, release: string, root: string, electron: string, chromium: string, node: string, own: Pkg[], ffmpeg = '6.1.1', ownDirect = own): DemoSbom {
  const base = electronAppPackages(electron, chromium, node, { axios: '1.6.8', ffmpeg });
  return { vendor, product, release, root, direct: [...base.direct, ...ownDirect.map(p)], packages: [...base.packages, ...own], timestamp: '2024-10-15T08:00:00Z' };
}

const maven = (group: string, artifact: string, version: string, deps: string[] = [], license = 'Apache-2.0'): Pkg => ({ purl: `pkg:maven/${group}/${artifact}@${version}`, license, deps });
const golang = (module: string, version: string, deps: string[] = [], license = 'BSD-3-Clause'): Pkg => ({ purl: `pkg:golang/${module}@${version}`, license, deps });
const cargo = (name: string, version: string, deps: string[] = [], license = 'MIT OR Apache-2.0'): Pkg => ({ purl: `pkg:cargo/${name}@${version}`, license, deps });

function javaServer(): DemoSbom {
  const log4jApi = maven('org.apache.logging.log4j', 'log4j-api', '2.14.1');
  const log4jCore = maven('org.apache.logging.log4j', 'log4j-core', '2.14.1', [p(log4jApi)]);
  const jacksonAnnotations = maven('com.fasterxml.jackson.core', 'jackson-annotations', '2.12.3');
  const jacksonCore = maven('com.fasterxml.jackson.core', 'jackson-core', '2.12.3');
  const databind = maven('com.fasterxml.jackson.core', 'jackson-databind', '2.12.3', [p(jacksonAnnotations), p(jacksonCore)]);
  const jcl = maven('org.springframework', 'spring-jcl', '5.3.8');
  const springCore = maven('org.springframework', 'spring-core', '5.3.8', [p(jcl)]);
  const springBeans = maven('org.springframework', 'spring-beans', '5.3.8', [p(springCore)]);
  const springWeb = maven('org.springframework', 'spring-web', '5.3.8', [p(springBeans), p(springCore)]);
  const tomcat = maven('org.apache.tomcat.embed', 'tomcat-embed-core', '9.0.46');
  const nettyCommon = maven('io.netty', 'netty-common', '4.1.65.Final');
  const nettyBuffer = maven('io.netty', 'netty-buffer', '4.1.65.Final', [p(nettyCommon)]);
  const nettyHandler = maven('io.netty', 'netty-handler', '4.1.65.Final', [p(nettyBuffer), p(nettyCommon)]);
  const lang3 = maven('org.apache.commons', 'commons-lang3', '3.11');
  const text = maven('org.apache.commons', 'commons-text', '1.9', [p(lang3)]);
  const snakeyaml = maven('org.yaml', 'snakeyaml', '1.28');
  const failureaccess = maven('com.google.guava', 'failureaccess', '1.0.1');
  const guava = maven('com.google.guava', 'guava', '30.1.1-jre', [p(failureaccess)]);
  const packages = [log4jCore, log4jApi, databind, jacksonAnnotations, jacksonCore, springWeb, springBeans, springCore, jcl, tomcat, nettyHandler, nettyBuffer, nettyCommon, text, lang3, snakeyaml, guava, failureaccess];
  return {
    vendor: 'SAP',
    product: 'SAP S/4HANA',
    release: '2021 FPS02',
    root: 'pkg:maven/com.sap.s4hana/s4hana-platform@2021.2',
    direct: [p(log4jCore), p(databind), p(springWeb), p(tomcat), p(nettyHandler), p(text), p(snakeyaml), p(guava)],
    packages,
    timestamp: '2021-11-30T12:00:00Z',
  };
}

function goAgent(): DemoSbom {
  const xsys = golang('golang.org/x/sys', 'v0.26.0');
  const xtext = golang('golang.org/x/text', 'v0.19.0');
  const xnet = golang('golang.org/x/net', 'v0.30.0', [p(xsys), p(xtext)]);
  const xcrypto = golang('golang.org/x/crypto', 'v0.28.0', [p(xsys)]);
  const protobuf = golang('google.golang.org/protobuf', 'v1.35.1');
  const genproto = golang('google.golang.org/genproto/googleapis/rpc', 'v0.0.0-20241015192408-796eee8c2d53', [p(protobuf)], 'Apache-2.0');
  const grpc = golang('google.golang.org/grpc', 'v1.67.1', [p(xnet), p(protobuf), p(genproto)], 'Apache-2.0');
  const gogo = golang('github.com/gogo/protobuf', 'v1.3.2');
  const yaml = golang('gopkg.in/yaml.v3', 'v3.0.1', [], 'MIT');
  const zstd = golang('github.com/DataDog/zstd', 'v1.5.5');
  const pflag = golang('github.com/spf13/pflag', 'v1.0.5');
  const cobra = golang('github.com/spf13/cobra', 'v1.8.1', [p(pflag)], 'Apache-2.0');
  const promModel = golang('github.com/prometheus/client_model', 'v0.6.1', [p(protobuf)], 'Apache-2.0');
  const prom = golang('github.com/prometheus/client_golang', 'v1.20.4', [p(promModel), p(protobuf)], 'Apache-2.0');
  const stdlib = golang('stdlib', 'v1.22.8');
  const packages = [xnet, xsys, xtext, xcrypto, grpc, protobuf, genproto, gogo, yaml, zstd, cobra, pflag, prom, promModel, stdlib];
  return {
    vendor: 'Datadog',
    product: 'Datadog Agent',
    release: '7.59.0',
    root: 'pkg:golang/github.com/DataDog/datadog-agent@v7.59.0',
    direct: [p(xnet), p(xcrypto), p(grpc), p(gogo), p(yaml), p(zstd), p(cobra), p(prom), p(stdlib)],
    packages,
    timestamp: '2024-10-29T14:00:00Z',
  };
}

function onePassword(): DemoSbom {
  const opensslSys = cargo('openssl-sys', '0.9.103', ['pkg:generic/openssl@3.0.13'], 'MIT');
  const openssl = cargo('openssl', '0.10.66', [p(opensslSys)], 'Apache-2.0');
  const ring = cargo('ring', '0.17.8', [], 'ISC AND MIT AND OpenSSL');
  const rustls = cargo('rustls', '0.23.13', [p(ring)], 'Apache-2.0 OR ISC OR MIT');
  const serde = cargo('serde', '1.0.210');
  const tokio = cargo('tokio', '1.40.0', [], 'MIT');
  const core: Pkg = { purl: 'pkg:generic/op-core@8.10.48', license: 'LicenseRef-1Password-Proprietary', deps: [p(openssl), p(rustls), p(serde), p(tokio)] };
  return electronProduct('1Password', '1Password 8', '8.10.48', 'pkg:npm/1password-desktop@8.10.48', '32.1.2', '128.0.6613.162', '20.18.0', [core, openssl, opensslSys, ring, rustls, serde, tokio], '6.1.1', [core]);
}

function estate(): DemoSbom {
  const deb = (name: string, version: string, license: string, deps: string[] = []): Pkg => ({ purl: `pkg:deb/debian/${name}@${encodeURIComponent(version)}?arch=amd64&distro=debian-12`, license, deps });
  const libc = deb('libc6', '2.36-9+deb12u8', 'LGPL-2.1-or-later');
  const libssl = deb('libssl3', '3.0.15-1~deb12u1', 'Apache-2.0', [p(libc)]);
  const openssl = deb('openssl', '3.0.15-1~deb12u1', 'Apache-2.0', [p(libssl), p(libc)]);
  const zlib = deb('zlib1g', '1:1.2.13.dfsg-1', 'Zlib', [p(libc)]);
  const ffmpeg = deb('ffmpeg', '7:5.1.6-0+deb12u1', 'GPL-2.0-or-later', [p(libc), p(zlib)]);
  const node: Pkg = { purl: 'pkg:generic/node@20.18.0', license: 'MIT', deps: [p(openssl)] };
  const ms = npm('ms', '2.1.3');
  const debug = npm('debug', '2.6.9', 'MIT', ['pkg:npm/ms@2.0.0']);
  const ms2 = npm('ms', '2.0.0');
  const express = npm('express', '4.21.1', 'MIT', [p(debug)]);
  const lodash = npm('lodash', '4.17.21');
  const axios = npm('axios', '1.7.7', 'MIT');
  const jws = npm('jws', '3.2.2');
  const jsonwebtoken = npm('jsonwebtoken', '9.0.2', 'MIT', [p(jws), p(ms)]);
  const packages = [node, libc, libssl, openssl, zlib, ffmpeg, express, debug, ms2, lodash, axios, jsonwebtoken, jws, ms];
  return {
    vendor: ESTATE.vendorName,
    product: ESTATE.productName,
    release: 'webshop-2024.11.2',
    root: 'pkg:oci/webshop@sha256%3A3f1c0e58a9e0c5d0d4a4b2f3c8f7e6d5c4b3a291807f6e5d4c3b2a1908f7e6d5?repository_url=registry.example.com/shop',
    direct: [p(node), p(ffmpeg), p(express), p(lodash), p(axios), p(jsonwebtoken), p(openssl)],
    packages,
    timestamp: '2024-11-20T07:45:00Z',
  };
}

export function demoSboms(): DemoSbom[] {
  return [
    threeCx('18.12.407'),
    threeCx('18.12.416'),
    electronProduct('Slack Technologies', 'Slack desktop', '4.41.105', 'pkg:npm/slack-desktop@4.41.105', '32.2.6', '128.0.6613.186', '20.18.0', [
      npm('@sentry/electron', '4.24.0'),
      npm('react', '18.3.1', 'MIT', ['pkg:npm/loose-envify@1.4.0']),
      npm('loose-envify', '1.4.0'),
    ]),
    onePassword(),
    electronProduct('Notion Labs', 'Notion desktop', '3.16.0', 'pkg:npm/notion-desktop@3.16.0', '29.4.6', '122.0.6261.156', '20.9.0', [npm('better-sqlite3', '9.6.0')], '6.0.1'),
    javaServer(),
    goAgent(),
    estate(),
  ];
}

export interface DemoSbomSummary {
  sboms: number;
  components: number;
  skipped: number;
}

/** Uploads the demo SBOMs to the demo vendors' products; releases that already have one are left alone. */
export async function loadDemoSboms(services: { vendors: VendorService; sboms: SbomService }, ctx: RequestContext): Promise<DemoSbomSummary> {
  const summary: DemoSbomSummary = { sboms: 0, components: 0, skipped: 0 };
  const vendors = (await services.vendors.list({ limit: 500 })).items;
  for (const demo of demoSboms()) {
    let productId: string | undefined;
    if (demo.vendor === ESTATE.vendorName) productId = ESTATE.productId;
    else {
      const vendor = vendors.find((v) => v.name === demo.vendor);
      if (vendor) productId = (await services.vendors.listProducts(vendor.id)).find((p) => p.name === demo.product)?.id;
    }
    if (!productId || (await services.sboms.list(productId, { release: demo.release, limit: 1 })).items.length) {
      summary.skipped++;
      continue;
    }
    const created = await services.sboms.upload(productId, Buffer.from(demoDocument(demo)), { release: demo.release }, ctx);
    summary.sboms++;
    summary.components += created.componentCount;
  }
  return summary;
}
