/**
 * The factory Odoo's asset code calls at runtime: `installQfpay(PaymentInterface, registry, options)`
 * builds the QFPay payment-interface class for the Odoo generation it finds and registers it
 * under `qfpay`.
 */
import { AdapterConfigError } from '../errors.js';
import { callMember, hasMember, isRecord, type Generation, type OdooBaseClass, type QfpayInterfaceClass } from './objects.js';

export type { OdooBaseClass, QfpayInterfaceClass };
import { defineOdoo17Interface } from './odoo17.js';
import { defineOdoo18Interface } from './odoo18.js';
import { defineOdoo19Interface } from './odoo19.js';
import type { QfpayInstallOptions } from './options.js';

/**
 * Where the class goes: Odoo 18/19's `registry` (from `@web/core/registry`), or Odoo 17's
 * `register_payment_method` function.
 */
export type OdooRegistry =
  | { category(name: string): { add(key: string, value: unknown, options?: { force?: boolean }): unknown } }
  | ((key: string, cls: QfpayInterfaceClass) => void);

/**
 * The generation of a `PaymentInterface` class: 17 if it has `send_payment_request`, 19 if it
 * has PI-M's `callPaymentMethod`/`connectWebSocket` helpers, 18 otherwise.
 */
export function detectGeneration(Base: OdooBaseClass, registry?: OdooRegistry): Generation {
  const proto: unknown = (Base as unknown as { prototype?: unknown }).prototype;
  if (typeof registry === 'function' || hasMember(proto, 'send_payment_request')) return 17;
  if (hasMember(proto, 'callPaymentMethod') || hasMember(proto, 'connectWebSocket')) return 19;
  return 18;
}

/** Builds the QFPay interface class for `Base` without registering it. */
export function createQfpayInterface(Base: OdooBaseClass, options: QfpayInstallOptions = {}, registry?: OdooRegistry): { generation: Generation; PaymentInterface: QfpayInterfaceClass } {
  if (typeof Base !== 'function') throw new AdapterConfigError('CONFIG_BASE_CLASS', "installQfpay needs Odoo's PaymentInterface class", 'pass the class imported from point_of_sale');
  const generation = options.generation ?? detectGeneration(Base, registry);
  const cls = generation === 17 ? defineOdoo17Interface(Base, options) : generation === 18 ? defineOdoo18Interface(Base, options) : defineOdoo19Interface(Base, options);
  return { generation, PaymentInterface: cls };
}

/**
 * Builds the class and registers it under `options.key` (default `qfpay`): Odoo 17 through
 * `register_payment_method`, 18/19 in `registry.category(options.registryCategory ??
 * "electronic_payment_interfaces")` (with `force`, so it replaces pos_qfpay's class on 19).
 */
export function installQfpay(Base: OdooBaseClass, registry: OdooRegistry, options: QfpayInstallOptions = {}): { generation: Generation; PaymentInterface: QfpayInterfaceClass } {
  const made = createQfpayInterface(Base, options, registry);
  const key = options.key ?? 'qfpay';
  if (typeof registry === 'function') registry(key, made.PaymentInterface);
  else if (isRecord(registry) && hasMember(registry, 'category')) {
    const category = callMember(registry, 'category', options.registryCategory ?? 'electronic_payment_interfaces');
    if (!hasMember(category, 'add')) throw new AdapterConfigError('CONFIG_REGISTRY', 'the registry category has no add()', "pass Odoo's registry from @web/core/registry");
    callMember(category, 'add', key, made.PaymentInterface, { force: true });
  } else throw new AdapterConfigError('CONFIG_REGISTRY', 'installQfpay needs a registry or register_payment_method', "pass Odoo's registry (18/19) or register_payment_method (17)");
  return made;
}
