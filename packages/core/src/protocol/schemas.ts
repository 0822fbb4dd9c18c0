/** zod schemas of ECR requests and reply data; see the two modules for the details. */
export * from './request-schemas.js';
export * from './reply-schemas.js';
