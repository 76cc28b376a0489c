// Types for node-version.js, which stays plain JavaScript so that Node 20 can run it.
export declare const REQUIRED_MAJOR: number
export declare const FETCHED_MAJOR: number

export type NodePlan =
  | { readonly action: 'run' }
  | { readonly action: 'fail'; readonly message: string }
  | {
      readonly action: 'reexec'
      readonly dir: string
      readonly pkg: string
      readonly binary: string
      readonly fetch: boolean
      readonly needs: string
      readonly advice: string
    }

export declare function nodePackage(platform: string, arch: string): string | undefined
export declare function nodeDir(env: Record<string, string | undefined>, arch: string): string
export declare function planNode(options: {
  readonly version: string
  readonly platform: string
  readonly arch: string
  readonly env: Record<string, string | undefined>
}): NodePlan
export declare function ensureNode(): Promise<void>
