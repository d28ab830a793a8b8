import { Type } from 'typebox';

export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  detail_en: Type.String(),
  instance: Type.Optional(Type.String()),
}, { additionalProperties: true });

export const I18nText = Type.Object({ fr: Type.String(), en: Type.String() });
