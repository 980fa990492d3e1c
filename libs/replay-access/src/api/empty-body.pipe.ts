import { Injectable, type PipeTransform } from '@nestjs/common';
import { InvalidRequest } from '@vgp/domain';

/** For POSTs that take no fields: an absent or empty JSON object passes, any field is a 400 naming it. */
@Injectable()
export class EmptyBodyPipe implements PipeTransform {
  transform(value: unknown): Record<string, never> {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new InvalidRequest('validation-failed', 'Send an empty JSON object, or no body.', { extensions: { errors: [] } });
    }
    const fields = Object.keys(value);
    if (fields.length > 0) {
      throw new InvalidRequest('validation-failed', `Fix these fields: ${fields.join(', ')}.`, {
        extensions: { errors: fields.map((field) => ({ field, messages: [`property ${field} should not exist`] })) },
      });
    }
    return {};
  }
}
