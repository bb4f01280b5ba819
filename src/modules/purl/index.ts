export * from './purl.js';
export * from './cpe.js';
