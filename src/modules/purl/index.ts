export * from './purl.js';
export * from './cpe.js';
export * from './cpe-match.js';
