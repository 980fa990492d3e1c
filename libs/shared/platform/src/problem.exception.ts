import { HttpException } from '@nestjs/common';

export const PROBLEM_TYPE_BASE = 'https://errors.vgp.example/';

/** `about:blank` is RFC 9457's type for "nothing more than the status". */
export const problemTypeUri = (slug?: string): string => {
  if (!slug) return 'about:blank';
  if (/^(https?:|about:|urn:)/.test(slug)) return slug;
  return PROBLEM_TYPE_BASE + slug.replace(/^\/+/, '');
};

export type ProblemInit = {
  /** A slug such as 'recording-not-found', appended to PROBLEM_TYPE_BASE (or a full URI). */
  type?: string;
  title: string;
  detail: string;
  /** Extra members of the problem object; cannot override the standard ones. */
  extensions?: Record<string, unknown>;
};

/** Throw from anywhere in the HTTP edge; the global filter renders it as application/problem+json. */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly problem: ProblemInit,
  ) {
    super({ ...problem.extensions, type: problem.type, title: problem.title, detail: problem.detail }, status);
    this.name = 'ProblemException';
  }
}
