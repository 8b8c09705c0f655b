// ESLint for the TypeScript (hardhat.config.ts, scripts/, service/, test/) and the dashboard's browser modules, with
// type information from tsconfig.json and service/dashboard/tsconfig.json. Why these rules: README, "Linting".
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  { ignores: ["artifacts/", "cache/", "coverage/", "dist/", "types/", "typechain-types/", "bench-results/", "**/deployments/"] },
  {
    files: ["**/*.ts", "**/*.js"],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ["eslint.config.js"] }, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // Bugs TypeScript lets through: a switch over a union that misses a member, `==`, APIs marked deprecated, a
      // promise rejection callback that trusts its argument, a returned promise that skips its try's catch.
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
      eqeqeq: "error",
      "@typescript-eslint/no-deprecated": "error",
      "@typescript-eslint/use-unknown-in-catch-callback-variable": "error",
      "@typescript-eslint/return-await": ["error", "in-try-catch"],
      // Ambient `declare global { namespace Express … }` is how Express types res.locals; no runtime namespaces.
      "@typescript-eslint/no-namespace": ["error", { allowDeclarations: true }],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // Off: they fight this code's style rather than find bugs (README, "Linting"). Async functions that implement a
      // promise-returning interface with nothing to await; String() and templates of values typed `unknown` where
      // they enter (database rows, decoded ABI values, DOM attributes), where the conversion is the point.
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/restrict-template-expressions": "off",
      "@typescript-eslint/no-base-to-string": "off",
    },
  },
  {
    files: ["**/*.ts", "eslint.config.js"],
    languageOptions: { globals: globals.node },
  },
  {
    // The service logs through pino (structured, with levels); its CLIs write to process.stdout on purpose.
    files: ["service/**/*.ts"],
    rules: { "no-console": "error" },
  },
  {
    // The tests read JSON answers as `any` and let chai check their shape.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    // Plain browser modules, no build step: the API's JSON answers are `any` in their JSDoc.
    files: ["service/dashboard/public/**/*.js"],
    languageOptions: { globals: globals.browser },
    rules: {
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
);
