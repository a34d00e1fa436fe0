// The dispatcher's resource budget (vcpus, ram): a container is locked only while its
// runtimeConstraints fit in what the running ones leave, so the budget is never exceeded.

export interface Resources {
  vcpus: number;
  ram: number;
}

/** A container's needs from its runtimeConstraints (committed requests always carry both; 1 vcpu, 0 bytes if not). */
export function resourcesOf(runtimeConstraints: unknown): Resources {
  const rc = (runtimeConstraints ?? {}) as { vcpus?: unknown; ram?: unknown };
  const num = (v: unknown, fallback: number) =>
    typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;
  return { vcpus: num(rc.vcpus, 1), ram: num(rc.ram, 0) };
}

export class Budget {
  private used: Resources = { vcpus: 0, ram: 0 };

  constructor(readonly total: Resources) {}

  /** Whether `r` fits next to what is in use now. */
  fitsNow(r: Resources): boolean {
    return this.used.vcpus + r.vcpus <= this.total.vcpus && this.used.ram + r.ram <= this.total.ram;
  }

  /** Whether `r` could ever fit (an empty dispatcher): otherwise it is another, bigger dispatcher's work. */
  fitsAtAll(r: Resources): boolean {
    return r.vcpus <= this.total.vcpus && r.ram <= this.total.ram;
  }

  take(r: Resources): void {
    if (!this.fitsNow(r)) throw new Error('budget exceeded');
    this.used = { vcpus: this.used.vcpus + r.vcpus, ram: this.used.ram + r.ram };
  }

  give(r: Resources): void {
    this.used = { vcpus: this.used.vcpus - r.vcpus, ram: this.used.ram - r.ram };
  }

  inUse(): Resources {
    return { ...this.used };
  }
}
