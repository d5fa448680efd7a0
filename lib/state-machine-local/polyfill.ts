/**
 * aws-local-stepfunctions 3 calls Promise.withResolvers (Node 22+). On Node 20 this supplies it,
 * with the behaviour the language specifies, before the library is loaded.
 */
interface WithResolvers {
  withResolvers<T>(): { promise: Promise<T>; resolve: (value: T | PromiseLike<T>) => void; reject: (reason?: unknown) => void };
}

const PromiseConstructor = Promise as unknown as Partial<WithResolvers>;
if (typeof PromiseConstructor.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export {};
