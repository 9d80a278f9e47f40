// What `gitfleet init` writes: the smallest repository that validates and
// deploys on the machine it runs on, with comments saying what to change.
// The schemas and the editor mapping are copied from the package (the same
// ones sample-repo carries), so editors check the files from the first key.

export interface StarterFile {
  /** Relative to the new repository's root, with "/" separators. */
  readonly path: string;
  /** Text, or a file of the package (relative to its root) to copy byte for byte. */
  readonly content: { readonly text: string } | { readonly copyOf: string };
}

const CLUSTER = `# The cluster: the Docker hosts gitfleet deploys to. This one is the engine
# on the machine you are on. To grow, add hosts (tcp:// with TLS, or ssh://),
# each with the address where its published ports answer.
kind: Cluster
name: my-fleet

hosts:
  - name: local
    docker: unix:///var/run/docker.sock
    address: 127.0.0.1
`;

const HELLO = `# A first service: a small web server (nginx) with its welcome page.
# The image must be reachable from the hosts (a public registry here; use your
# own registry, e.g. registry.example.com/team/app:1.0, for private images).
kind: Service
name: hello
image: nginx:1.27-alpine
ports:
  - "8080:80" # published on every host's address, port 8080
deploy:
  replicas: 1
`;

const README = `# My fleet

A GitOps repository for [gitfleet](https://github.com/gitfleet/gitfleet):
\`cluster.yaml\` lists the Docker hosts, \`services/*.yaml\` the services.

## Next steps

1. Edit \`cluster.yaml\`: name your cluster and list your hosts (\`docker:\` endpoint
   and \`address:\`).
2. Replace \`services/hello.yaml\` with your services; each file is one
   \`kind: Service\`, in Compose's words (\`image\`, \`ports\`, \`environment\`,
   \`deploy.replicas\`, ...).
3. Check the repository: \`gitfleet validate .\` (add \`--strict\` in CI).
4. See what would change: \`gitfleet plan .\`.
5. Commit, push, and point the operator at the repository
   (\`repository.url\` in its configuration).

Editors: \`.vscode/settings.json\` maps \`cluster.yaml\` and \`services/**/*.yaml\`
to the schemas in \`schemas/\` (yaml-language-server), for completion and checks
as you type.
`;

export const STARTER_FILES: readonly StarterFile[] = [
  { path: "cluster.yaml", content: { text: CLUSTER } },
  { path: "services/hello.yaml", content: { text: HELLO } },
  { path: "README.md", content: { text: README } },
  { path: ".vscode/settings.json", content: { copyOf: "sample-repo/.vscode/settings.json" } },
  { path: "schemas/cluster.schema.json", content: { copyOf: "schemas/cluster.schema.json" } },
  { path: "schemas/service.schema.json", content: { copyOf: "schemas/service.schema.json" } },
];
