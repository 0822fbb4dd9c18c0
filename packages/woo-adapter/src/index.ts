/** Placeholder entry; this package is built in a later issue. */
export const PACKAGE_STATUS = 'planned' as const;
