// OGC API Features Part 3 filtering, CQL2 text: the module's whole public surface.
export { cql2ToExpression } from './compile.ts';
export { CQL2_LIMITS, Cql2Error, type Cql2ErrorCode } from './errors.ts';
export { type Cql2Node, type Operand, parseCql2 } from './parser.ts';
export { queryablesSchema, type QueryableSchema, type QueryablesDocument } from './queryables.ts';
