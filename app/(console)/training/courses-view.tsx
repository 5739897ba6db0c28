"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { PlusIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { DEFAULT_TRAINING_VALIDITY_MONTHS, staffRoles, type StaffRole, type UserRole } from "@/db/schema/values";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { Field, FormDialog, formText } from "@/app/_components/form-dialog";
import { FieldError, FormError } from "@/app/_components/form-error";
import { EmptyState, TableSkeleton } from "@/app/_components/list-controls";
import { useCourseText } from "@/app/_components/training";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/app/_components/ui/card";
import { Label, Textarea } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";
import { cn } from "@/app/_lib/utils";

interface Course {
  id: string;
  key: string | null;
  title: string;
  topics: string[];
  validityMonths: number;
  requiredFor: StaffRole[];
  active: boolean;
}

export function CoursesView({ role }: { role: UserRole }) {
  const t = useTranslations("training");
  const trpc = useTRPC();
  const { data, error } = useQuery(trpc.training.courses.queryOptions());
  if (error) return <FormError error={error} />;
  if (!data) return <TableSkeleton rows={4} />;
  return (
    <div className="space-y-3">
      {role === "admin" && (
        <div className="flex justify-end">
          <CourseDialog />
        </div>
      )}
      {data.length === 0 ? (
        <div className="rounded-xl border bg-card">
          <EmptyState title={t("courses.empty")} />
        </div>
      ) : (
        <ul className="grid gap-3 md:grid-cols-2" data-testid="courses">
          {data.map((course) => (
            <li key={course.id}>
              <CourseCard course={course} role={role} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function CourseCard({ course, role }: { course: Course; role: UserRole }) {
  const t = useTranslations("training");
  const text = useCourseText();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toggle = useMutation(trpc.training.updateCourse.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.training.pathFilter()) }));
  const title = text.title(course);
  return (
    <Card className={cn("h-full", !course.active && "opacity-70")}>
      <CardHeader>
        <CardTitle className="flex flex-wrap items-center gap-2 text-base">
          {title}
          {!course.active && <Badge variant="muted">{t("courses.archived")}</Badge>}
        </CardTitle>
        <p className="text-sm text-muted-foreground">{t("courses.validityValue", { months: course.validityMonths })}</p>
      </CardHeader>
      <CardContent className="space-y-3">
        <ul className="list-disc space-y-1 pl-5 text-sm">
          {text.topics(course).map((topic) => (
            <li key={topic}>{topic}</li>
          ))}
        </ul>
        <div className="flex flex-wrap items-center gap-1.5 text-sm">
          <span className="text-muted-foreground">{t("courses.requiredFor")}:</span>
          {course.requiredFor.length === 0 ? (
            <span className="text-muted-foreground">{t("courses.requiredNone")}</span>
          ) : (
            course.requiredFor.map((r) => (
              <Badge key={r} variant="outline">
                {t(`roles.${r}`)}
              </Badge>
            ))
          )}
        </div>
        {role === "admin" && (
          <div className="flex flex-wrap gap-2">
            <CourseDialog course={course} />
            {course.active ? (
              <ConfirmDialog
                label={t("courses.archive")}
                title={t("courses.archiveTitle", { title })}
                description={t("courses.archiveConfirm")}
                error={toggle.error}
                pending={toggle.isPending}
                onConfirm={() => toggle.mutateAsync({ id: course.id, active: false })}
              />
            ) : (
              <ConfirmDialog
                label={t("courses.restore")}
                title={t("courses.restoreTitle", { title })}
                description={t("courses.restoreConfirm")}
                error={toggle.error}
                pending={toggle.isPending}
                onConfirm={() => toggle.mutateAsync({ id: course.id, active: true })}
              />
            )}
          </div>
        )}
      </CardContent>
    </Card>
  );
}

/** Creates a course, or edits one when `course` is given; a built-in course is shown in the reader's words to start from. */
function CourseDialog({ course }: { course?: Course }) {
  const t = useTranslations("training");
  const text = useCourseText();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const onSuccess = () => queryClient.invalidateQueries(trpc.training.pathFilter());
  const create = useMutation(trpc.training.createCourse.mutationOptions({ onSuccess }));
  const edit = useMutation(trpc.training.updateCourse.mutationOptions({ onSuccess }));
  const mutation = course ? edit : create;
  const shownTitle = course ? text.title(course) : "";
  const shownTopics = course ? text.topics(course).join("\n") : "";
  return (
    <FormDialog
      trigger={
        course ? (
          <Button size="sm" variant="outline">
            {t("courses.edit")}
          </Button>
        ) : (
          <Button>
            <PlusIcon /> {t("courses.new")}
          </Button>
        )
      }
      title={course ? t("courses.editTitle") : t("courses.new")}
      description={course ? t("courses.validityHint") : undefined}
      submitLabel={course ? t("courses.save") : t("courses.create")}
      error={mutation.error}
      pending={mutation.isPending}
      onOpenChange={() => mutation.reset()}
      onSubmit={(form) => {
        const title = formText(form, "title");
        const topicsText = formText(form, "topics");
        const values = {
          validityMonths: Number(formText(form, "validityMonths")),
          requiredFor: staffRoles.filter((r) => form.get(`requiredFor.${r}`) === "on"),
        };
        const topics = topicsText
          .split("\n")
          .map((line) => line.trim())
          .filter(Boolean);
        if (!course) return create.mutateAsync({ ...values, title, topics });
        // Unchanged words keep a built-in course translated.
        return edit.mutateAsync({ id: course.id, ...values, ...(title !== shownTitle && { title }), ...(topicsText !== shownTopics.trim() && { topics }) });
      }}
    >
      <Field name="title" label={t("courses.courseTitle")} error={mutation.error} defaultValue={shownTitle} autoComplete="off" required />
      <div className="grid gap-1.5">
        <Label htmlFor="field-topics">{t("courses.topics")}</Label>
        <Textarea id="field-topics" name="topics" rows={5} defaultValue={shownTopics} />
        <FieldError error={mutation.error} field="topics" />
      </div>
      <Field name="validityMonths" label={t("courses.validity")} error={mutation.error} type="number" min={1} max={60} defaultValue={course?.validityMonths ?? DEFAULT_TRAINING_VALIDITY_MONTHS} />
      <fieldset className="grid gap-1.5">
        <legend className="mb-1 text-sm font-medium">{t("courses.requiredFor")}</legend>
        <div className="flex flex-wrap gap-4">
          {staffRoles.map((r) => (
            <label key={r} className="flex items-center gap-2 text-sm">
              <input type="checkbox" className="size-4" name={`requiredFor.${r}`} defaultChecked={course?.requiredFor.includes(r)} />
              {t(`roles.${r}`)}
            </label>
          ))}
        </div>
        <FieldError error={mutation.error} field="requiredFor" />
      </fieldset>
    </FormDialog>
  );
}
