import { Type } from 'typebox';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../plugins/app/passwords.ts';
import { ROLES } from '../../plugins/app/auth.ts';

export const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^\\s*[^\\s@]+@[^\\s@]+\\.[^\\s@]+\\s*$', description: 'Adresse e-mail / e-mail address' });
export const Password = Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, description: `${PASSWORD_MIN} à ${PASSWORD_MAX} caractères / characters` });
// No control characters; anything else is shown as text, never as HTML.
export const DisplayName = Type.String({ minLength: 1, maxLength: 60, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description: 'Nom affiché publiquement / public display name' });
export const RoleSchema = Type.Unsafe<(typeof ROLES)[number]>({ type: 'string', enum: [...ROLES] });

export const MeSchema = Type.Object({
  user: Type.Union([Type.Object({
    id: Type.Integer(),
    role: RoleSchema,
    displayName: Type.String(),
    /** Only ever sent to its owner. */
    email: Type.String(),
  }), Type.Null()]),
  csrfToken: Type.String({ description: 'À renvoyer dans l’en-tête x-csrf-token / send back in the x-csrf-token header' }),
});
