// Spatial analyses of the portal. One module per analysis; the scope reader is shared by all.
export * from './scope.ts';
export * from './needs.ts';
export * from './zone.ts';
export * from './pilot-streets.ts';
