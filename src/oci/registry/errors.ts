// Registry failures users can act on, one line each.
import { StrataError } from '../../errors.js'

export class RegistryError extends StrataError {}

export class AuthRequired extends RegistryError {}

export class NotFoundInRegistry extends RegistryError {}

/** Turns an error response into one line: the registry's own error codes when it sent them. */
export function describeFailure(host: string, status: number, contentType: string | undefined, body: Buffer, what: string): string {
  const type = (contentType ?? '').split(';')[0].trim()
  if (type === 'application/json' || body.subarray(0, 1).toString() === '{') {
    try {
      const j = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string; detail?: unknown }[] }
      const errs = (j.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).filter(Boolean)
      if (errs.length) return `${what}: ${host} answered ${status}: ${errs.join('; ')}`
    } catch {}
  }
  if (type === 'text/html' || /^\s*<(!doctype|html)/i.test(body.subarray(0, 64).toString())) {
    return `${what}: ${host} answered ${status} with an HTML page, not a registry response (is it a registry? a proxy or login page in the way?)`
  }
  const text = body.toString('utf8').trim().split('\n')[0].slice(0, 160)
  return `${what}: ${host} answered ${status}${text ? `: ${text}` : ''}`
}
