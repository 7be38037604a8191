import { Type } from 'typebox';
import {
  EMAIL_MAX,
  PASSWORD_MAX,
  PASSWORD_MIN,
  USERNAME_CHARACTERS_MESSAGE,
  USERNAME_MAX,
  USERNAME_MIN,
  USERNAME_PATTERN,
} from '../../services/auth/account-rules.js';
import { PlainText } from '../schemas.js';

/** Account fields as request bodies take them, shared by the auth and profile routes. */

export const Username = Type.String({
  minLength: USERNAME_MIN,
  maxLength: USERNAME_MAX,
  pattern: USERNAME_PATTERN,
  'x-message': USERNAME_CHARACTERS_MESSAGE,
  description: `${USERNAME_MIN}–${USERNAME_MAX} letters, digits, _ . -; unique without regard to case`,
});
export const Email = Type.String({ format: 'email', maxLength: EMAIL_MAX, 'x-message': 'must be a valid e-mail address' });
export const Password = Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX });
// A password being checked (not set) may be anything the user once chose; only bound its size.
export const GivenPassword = Type.String({ minLength: 1, maxLength: PASSWORD_MAX });
export const Name = PlainText({ maxLength: 100 });
